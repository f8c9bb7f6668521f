package io.hatchway.integration;

import io.hatchway.registry.Application;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the integration listener knows of one backend connection once its API key is accepted: its application,
 * how it wants events, its subscriptions and the events on their way to it. Event-loop only, except
 * {@link #reserve}, {@link #release} and {@link #cutOff()}.
 */
final class Backend {

    private static final AttributeKey<Backend> KEY = AttributeKey.valueOf(Backend.class, "backend");

    private final Application application;
    private final boolean binary;
    private final int maxQueued;
    /** Events offered and not yet written (QoS 0) or acknowledged (QoS 1), and their bytes. */
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final long maxQueuedBytes;
    private final AtomicBoolean cutOff = new AtomicBoolean();
    private final Map<String, Runnable> subscriptions = new HashMap<>();
    /** QoS 1 events waiting for the backend's Receive Maximum to allow them [MQTT-3.3.4-9]. */
    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    /** Set while held events are written again, so that they do not queue behind each other. */
    private boolean draining;
    private final int receiveMaximum;
    private final long maximumPacketSize;
    /** A QoS 1 event written and not yet acknowledged: what to run when it is, and its bytes. */
    private record InFlight(Runnable delivered, int bytes) {
    }

    /** QoS 1 events written and not yet acknowledged, by packet id. */
    private final Map<Integer, InFlight> inFlight = new HashMap<>();
    private int lastPacketId;

    private Backend(Application application, boolean binary, int maxQueued, long maxQueuedBytes, int receiveMaximum,
                    long maximumPacketSize) {
        this.application = application;
        this.binary = binary;
        this.maxQueued = maxQueued;
        this.maxQueuedBytes = maxQueuedBytes;
        this.receiveMaximum = receiveMaximum;
        this.maximumPacketSize = maximumPacketSize;
    }

    /**
     * @param receiveMaximum    the backend's Receive Maximum: QoS 1 events unacknowledged at once (65,535 if unset)
     * @param maximumPacketSize the largest packet the backend takes (unlimited if unset)
     */
    static Backend attach(Channel channel, Application application, boolean binary, int maxQueued,
                          long maxQueuedBytes, int receiveMaximum, long maximumPacketSize) {
        Backend backend = new Backend(application, binary, maxQueued, maxQueuedBytes, receiveMaximum,
                maximumPacketSize);
        channel.attr(KEY).set(backend);
        return backend;
    }

    /** The connection's backend, or null before its CONNECT is accepted. */
    static Backend of(Channel channel) {
        return channel.attr(KEY).get();
    }

    Application application() {
        return application;
    }

    /** MQTT 5 binary content mode: attributes as user properties, the event's data as payload. */
    boolean binary() {
        return binary;
    }

    int maxQueued() {
        return maxQueued;
    }

    long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /**
     * Takes a place in the queue for an event of {@code bytes}; false if the queue is full, in events or in bytes
     * (an event larger than the byte limit still fits an empty queue). Any thread.
     */
    boolean reserve(int bytes) {
        int events = queued.incrementAndGet();
        long total = queuedBytes.addAndGet(bytes);
        if (events > maxQueued || total > maxQueuedBytes && events > 1) {
            release(bytes);
            return false;
        }
        return true;
    }

    /** Gives back the place of an event that was written, acknowledged or dropped. Any thread. */
    void release(int bytes) {
        queued.decrementAndGet();
        queuedBytes.addAndGet(-bytes);
    }

    /** True once: the first caller ends the connection. */
    boolean cutOff() {
        return cutOff.compareAndSet(false, true);
    }

    Map<String, Runnable> subscriptions() {
        return subscriptions;
    }

    /**
     * A packet id not in flight, for an event whose acknowledgement runs {@code delivered}; at most
     * {@link #maxQueued()} (below 65,535) are in flight at once.
     */
    int nextPacketId(Runnable delivered, int bytes) {
        do {
            lastPacketId = lastPacketId == 65_535 ? 1 : lastPacketId + 1;
        } while (inFlight.containsKey(lastPacketId));
        inFlight.put(lastPacketId, new InFlight(delivered, bytes));
        return lastPacketId;
    }

    /**
     * The backend acknowledged a QoS 1 event: its place in the queue is given back; false if that packet id was not
     * in flight.
     */
    boolean acknowledged(int packetId) {
        InFlight acknowledged = inFlight.remove(packetId);
        if (acknowledged == null) {
            return false;
        }
        release(acknowledged.bytes());
        acknowledged.delivered().run();
        // The held events go out, oldest first, as far as the Receive Maximum now allows.
        boolean outer = draining;
        draining = true;
        try {
            while (inFlight.size() < receiveMaximum && !held.isEmpty()) {
                held.poll().run();
            }
        } finally {
            draining = outer;
        }
        return true;
    }

    /**
     * Whether the backend's Receive Maximum allows one more QoS 1 event now; if not, {@code write} waits behind
     * the events already held (held events being written again after an acknowledgement go first).
     */
    boolean mayWrite(Runnable write) {
        if (inFlight.size() < receiveMaximum && (held.isEmpty() || draining)) {
            return true;
        }
        held.add(write);
        return false;
    }

    long maximumPacketSize() {
        return maximumPacketSize;
    }
}
