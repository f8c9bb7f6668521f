package io.hatchway.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes one device's messages on its connection, keeping at most {@code window} in flight. In window mode
 * every completion sends the next message at once ({@link #fill}); in rate mode a {@link RatePacer} calls
 * {@link #trySend} when a message is due. Thread-safe: completions may arrive on any thread, and re-entrant
 * completions (a write finishing inside the call that made it) are turned into a loop rather than recursion.
 */
final class DevicePublisher {

    private final int device;
    private final LoadConnection connection;
    private final PayloadFormat format;
    private final byte[] prefix;
    private final int window;
    private final boolean refill;
    private final LoadMetrics metrics;
    private final AckLedger ledger;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger nextSequence = new AtomicInteger();
    private final AtomicInteger fillers = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean running = true;

    /**
     * @param refill whether each completion sends the next message (window mode)
     */
    DevicePublisher(int device, LoadConnection connection, PayloadFormat format, int window, boolean refill,
                    LoadMetrics metrics, AckLedger ledger) {
        this.device = device;
        this.connection = connection;
        this.format = format;
        this.prefix = format.devicePrefix(device);
        this.window = window;
        this.refill = refill;
        this.metrics = metrics;
        this.ledger = ledger;
    }

    /** Sends until the window is full. */
    void fill() {
        if (fillers.getAndIncrement() != 0) {
            return; // the thread already filling loops once more
        }
        int missed = 1;
        do {
            while (trySend()) {
                // keep sending
            }
            missed = fillers.addAndGet(-missed);
        } while (missed != 0);
    }

    /** Sends one message if running and the window has room; returns whether it did. */
    boolean trySend() {
        if (!running) {
            return false;
        }
        int current;
        do {
            current = inFlight.get();
            if (current >= window) {
                return false;
            }
        } while (!inFlight.compareAndSet(current, current + 1));
        int sequence = nextSequence.getAndIncrement();
        if (sequence == Integer.MAX_VALUE) {
            running = false;
        }
        byte[] payload = format.payload(prefix, sequence);
        ledger.sent(device, sequence);
        metrics.sent.increment();
        long start = System.nanoTime();
        connection.publish(payload).whenComplete((ok, error) -> completed(sequence, start, error));
        return true;
    }

    private void completed(int sequence, long start, Throwable error) {
        if (error == null) {
            metrics.publishLatency.recordSince(start);
            metrics.acknowledged.increment();
            ledger.acknowledged(device, sequence);
        } else {
            metrics.publishFailures.increment();
            metrics.errors.add(error);
        }
        // A refused publish (PUBACK error code) leaves the connection usable; anything else ends it.
        boolean usable = error == null || LoadFailure.reasonOf(error).startsWith("puback:");
        int left = inFlight.decrementAndGet();
        if (!running) {
            if (left == 0) {
                drained.complete(null);
            }
        } else if (refill && usable) {
            fill();
        }
    }

    /** Stops sending; the returned future completes when nothing is in flight any more. */
    CompletableFuture<Void> stop() {
        running = false;
        if (inFlight.get() == 0) {
            drained.complete(null);
        }
        return drained;
    }

    /** Stops sending because the connection is gone; what is in flight will fail. */
    void connectionLost() {
        running = false;
    }
}
