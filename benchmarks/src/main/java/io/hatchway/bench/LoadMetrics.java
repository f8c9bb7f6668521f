package io.hatchway.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The counters of a run, updated from any thread. */
public final class LoadMetrics {

    final LongAdder connectAttempts = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    /** Connections currently accepted by the server. */
    final AtomicInteger connected = new AtomicInteger();
    final LongAdder connectionsLost = new LongAdder();
    final LongAdder sent = new LongAdder();
    /** QoS 1: PUBACKed with success. QoS 0: written to the socket. */
    final LongAdder acknowledged = new LongAdder();
    final LongAdder publishFailures = new LongAdder();
    /** Rate mode: sends that were due but found every window full. */
    final LongAdder skipped = new LongAdder();
    final ErrorCounts errors = new ErrorCounts();
    final LatencyTracker publishLatency = new LatencyTracker();
    final LatencyTracker connectLatency = new LatencyTracker();

    /** The publish counters at one moment. */
    record Counts(long sent, long acknowledged, long failed, long skipped) {

        Counts minus(Counts earlier) {
            return new Counts(sent - earlier.sent, acknowledged - earlier.acknowledged, failed - earlier.failed,
                    skipped - earlier.skipped);
        }
    }

    Counts counts() {
        return new Counts(sent.sum(), acknowledged.sum(), publishFailures.sum(), skipped.sum());
    }

    public long sent() {
        return sent.sum();
    }

    public long acknowledged() {
        return acknowledged.sum();
    }

    public int connected() {
        return connected.get();
    }

    public ErrorCounts errors() {
        return errors;
    }
}
