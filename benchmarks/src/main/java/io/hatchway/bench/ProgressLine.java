package io.hatchway.bench;

import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints one progress line per second on stderr: elapsed time, connections, sent and acknowledged messages per
 * second in the last interval, PUBACK latency percentiles of the interval and errors so far by reason. On a
 * terminal the line is rewritten in place ({@code \r}); otherwise (a file, a pipe, CI) one line per second.
 * Reading the interval latencies also feeds the run's total histogram, so it runs for the whole publishing phase.
 */
final class ProgressLine implements AutoCloseable {

    private final LoadMetrics metrics;
    private final int devices;
    private final PrintStream out;
    private final boolean terminal;
    private final ScheduledExecutorService timer;
    private final long start = System.nanoTime();
    private long lastNanos = start;
    private long lastSent;
    private long lastAcknowledged;
    private boolean printed;

    ProgressLine(LoadMetrics metrics, int devices, PrintStream out, boolean terminal) {
        this.metrics = metrics;
        this.devices = devices;
        this.out = out;
        this.terminal = terminal;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-progress");
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether stderr is likely a terminal: the JVM has a console only when stdin and stdout are terminals. */
    static boolean stderrIsTerminal() {
        return System.console() != null;
    }

    void start() {
        timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    private synchronized void tick() {
        long now = System.nanoTime();
        double seconds = (now - lastNanos) / 1e9;
        long sent = metrics.sent();
        long acknowledged = metrics.acknowledged();
        Histogram latency = metrics.publishLatency.interval();
        String line = format((now - start) / 1e9, metrics.connected(), devices, (sent - lastSent) / seconds,
                (acknowledged - lastAcknowledged) / seconds, latency, metrics.errors().snapshot());
        lastNanos = now;
        lastSent = sent;
        lastAcknowledged = acknowledged;
        if (terminal) {
            out.print("\r" + line + "\u001b[K");
        } else {
            out.println(line);
        }
        out.flush();
        printed = true;
    }

    static String format(double elapsedSeconds, int connected, int devices, double sentPerSecond,
                         double acknowledgedPerSecond, Histogram latency, Map<String, Long> errors) {
        StringBuilder line = new StringBuilder(160);
        line.append(String.format(Locale.ROOT, "[%5.0fs] connected %d/%d  sent %,.0f/s  acked %,.0f/s", elapsedSeconds,
                connected, devices, sentPerSecond, acknowledgedPerSecond));
        if (latency.getTotalCount() > 0) {
            line.append(String.format(Locale.ROOT, "  puback us p50 %,d p99 %,d p99.9 %,d",
                    latency.getValueAtPercentile(50), latency.getValueAtPercentile(99),
                    latency.getValueAtPercentile(99.9)));
        }
        line.append("  errors ");
        if (errors.isEmpty()) {
            line.append("0");
        } else {
            StringBuilder list = new StringBuilder();
            errors.forEach((reason, count) -> list.append(list.length() == 0 ? "" : " ").append(reason).append('=')
                    .append(count));
            line.append(list);
        }
        return line.toString();
    }

    /** Stops printing; a last interval is read so the total histogram is complete. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            metrics.publishLatency.interval();
            if (terminal && printed) {
                out.println();
                out.flush();
            }
        }
    }
}
