package io.hatchway.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Ends a run early (Ctrl-C, or a test); thread-safe, and signalling twice is harmless. */
public final class StopSignal {

    private final CountDownLatch stopped = new CountDownLatch(1);

    public void stop() {
        stopped.countDown();
    }

    public boolean stopped() {
        return stopped.getCount() == 0;
    }

    /** Waits until stopped or until {@code deadlineNanos} ({@link System#nanoTime()}); returns whether stopped. */
    public boolean awaitUntil(long deadlineNanos) throws InterruptedException {
        return stopped.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
