package io.hatchway.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Connects the devices at a given rate of attempts per second (or as fast as possible), with a bounded number of
 * attempts outstanding, and waits until each one was accepted, refused or timed out.
 */
final class ConnectRamp {

    /** Connection attempts waiting for their CONNACK at once, at most. */
    static final int MAX_OUTSTANDING = 512;

    private final ConnectionFactory factory;
    private final double ratePerSecond;
    private final Duration timeout;
    private final LoadMetrics metrics;

    /** What a ramp achieved: the accepted connections, by device index, and when the last one was accepted. */
    record Result(List<Connected> connections, long startNanos, long lastAcceptedNanos) {

        /** Connections accepted per second, from the first attempt to the last acceptance. */
        double connectRate() {
            long span = lastAcceptedNanos - startNanos;
            return connections.isEmpty() || span <= 0 ? 0 : connections.size() / (span / 1e9);
        }

        double seconds() {
            return Math.max(0, lastAcceptedNanos - startNanos) / 1e9;
        }
    }

    record Connected(DeviceLogin device, LoadConnection connection) {
    }

    ConnectRamp(ConnectionFactory factory, double ratePerSecond, Duration timeout, LoadMetrics metrics) {
        this.factory = factory;
        this.ratePerSecond = ratePerSecond;
        this.timeout = timeout;
        this.metrics = metrics;
    }

    Result run(List<DeviceLogin> devices, StopSignal stop) throws InterruptedException {
        ScheduledThreadPoolExecutor timeouts = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "bench-connect-timeouts");
            t.setDaemon(true);
            return t;
        });
        try {
            return connectAll(devices, stop, timeouts);
        } finally {
            timeouts.shutdownNow();
        }
    }

    private Result connectAll(List<DeviceLogin> devices, StopSignal stop, ScheduledExecutorService timeouts)
            throws InterruptedException {
        Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
        List<CompletableFuture<Connected>> attempts = new ArrayList<>(devices.size());
        long[] lastAccepted = {0};
        long start = System.nanoTime();
        for (int i = 0; i < devices.size() && !stop.stopped(); i++) {
            if (ratePerSecond > 0) {
                long due = start + (long) (i / ratePerSecond * 1e9);
                if (stop.awaitUntil(due)) {
                    break;
                }
            }
            outstanding.acquire();
            DeviceLogin device = devices.get(i);
            LoadConnection connection = factory.create(device);
            metrics.connectAttempts.increment();
            long attemptStart = System.nanoTime();
            CompletableFuture<Void> accepted = new CompletableFuture<>();
            // Not orTimeout: its cancellation removes the timer from a shared queue, linear in the attempts pending.
            ScheduledFuture<?> timer = timeouts.schedule(() -> accepted.completeExceptionally(LoadFailure.timeout()),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
            connection.connect().whenComplete((ok, error) -> {
                timer.cancel(false);
                if (error == null) {
                    accepted.complete(null);
                } else {
                    accepted.completeExceptionally(error);
                }
            });
            CompletableFuture<Connected> attempt = accepted
                    .handle((ok, error) -> {
                        outstanding.release();
                        if (error != null) {
                            metrics.connectFailures.increment();
                            metrics.errors.add(error);
                            connection.disconnect();
                            return null;
                        }
                        metrics.connectLatency.recordSince(attemptStart);
                        metrics.connected.incrementAndGet();
                        synchronized (lastAccepted) {
                            lastAccepted[0] = Math.max(lastAccepted[0], System.nanoTime());
                        }
                        return new Connected(device, connection);
                    });
            attempts.add(attempt);
        }
        List<Connected> connected = new ArrayList<>();
        for (CompletableFuture<Connected> attempt : attempts) {
            try {
                Connected c = attempt.get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
                if (c != null) {
                    connected.add(c);
                }
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("a connection attempt did not settle", e);
            }
        }
        synchronized (lastAccepted) {
            return new Result(connected, start, lastAccepted[0]);
        }
    }
}
