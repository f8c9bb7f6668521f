package io.hatchway.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.TimeUnit;

/**
 * Latencies in microseconds: recorded from any thread into an HdrHistogram {@link Recorder}, read once per
 * progress interval, and added up for the whole run. {@link #record} is thread-safe and wait-free; {@link #interval}
 * and {@link #total} belong to one reader thread at a time.
 */
public final class LatencyTracker {

    /** Latencies above an hour are clamped there: nothing in a run waits that long. */
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
    private Histogram interval;

    /** Records the time since {@code startNanos} ({@link System#nanoTime()}). */
    public void recordSince(long startNanos) {
        long micros = (System.nanoTime() - startNanos) / 1_000;
        recorder.recordValue(Math.max(0, Math.min(micros, HIGHEST_MICROS)));
    }

    /** The latencies recorded since the previous call, also added to {@link #total}. */
    public synchronized Histogram interval() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return interval;
    }

    /** Forgets everything recorded so far (the end of a warm-up). */
    public synchronized void reset() {
        interval = recorder.getIntervalHistogram(interval);
        total.reset();
    }

    /** Every latency recorded up to the last {@link #interval} call. */
    public synchronized Histogram total() {
        return total.copy();
    }
}
