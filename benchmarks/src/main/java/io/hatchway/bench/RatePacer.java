package io.hatchway.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Spreads a total publish rate over the connections, round robin, from the calling thread. A message that falls due
 * while every connection's window is full is not sent later: it is counted as skipped, so a server that cannot keep
 * up shows as a shortfall instead of a growing backlog in the generator. Latency is measured from the actual send.
 */
final class RatePacer {

    /** How often due messages are sent, at most. */
    private static final long TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private final List<DevicePublisher> publishers;
    private final long ratePerSecond;
    private final LoadMetrics metrics;
    private int next;

    RatePacer(List<DevicePublisher> publishers, long ratePerSecond, LoadMetrics metrics) {
        this.publishers = publishers;
        this.ratePerSecond = ratePerSecond;
        this.metrics = metrics;
    }

    /** Publishes at the rate until {@code deadlineNanos} or until {@code stop} is signalled. */
    void run(long deadlineNanos, StopSignal stop) {
        long start = System.nanoTime();
        long issued = 0;
        while (!stop.stopped()) {
            long now = System.nanoTime();
            if (now - deadlineNanos >= 0) {
                return;
            }
            long due = (long) ((now - start) / 1e9 * ratePerSecond) - issued;
            for (long i = 0; i < due; i++) {
                if (!sendOne()) {
                    metrics.skipped.add(due - i);
                    break;
                }
            }
            issued += Math.max(0, due);
            LockSupport.parkNanos(TICK_NANOS);
        }
    }

    /** Sends on the next connection with room in its window; false if every window is full. */
    private boolean sendOne() {
        for (int tried = 0; tried < publishers.size(); tried++) {
            DevicePublisher publisher = publishers.get(next);
            next = (next + 1) % publishers.size();
            if (publisher.trySend()) {
                return true;
            }
        }
        return false;
    }
}
