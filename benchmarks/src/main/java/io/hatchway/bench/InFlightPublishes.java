package io.hatchway.bench;

import io.netty.util.collection.IntObjectHashMap;

import java.util.concurrent.CompletableFuture;

/**
 * The QoS 1 publishes of one connection awaiting their PUBACK, by packet identifier, and the choice of the next free
 * identifier (1 to 65535 [MQTT-2.2.1-3]). Not thread-safe: used on the connection's event loop only.
 */
final class InFlightPublishes {

    private static final int MAX_PACKET_ID = 65_535;

    private final IntObjectHashMap<CompletableFuture<Void>> waiting = new IntObjectHashMap<>();
    private int lastId;

    /** Registers a publish; returns its packet identifier. */
    int add(CompletableFuture<Void> publish) {
        if (waiting.size() >= MAX_PACKET_ID) {
            throw new IllegalStateException("every packet identifier is in use");
        }
        do {
            lastId = lastId == MAX_PACKET_ID ? 1 : lastId + 1;
        } while (waiting.containsKey(lastId));
        waiting.put(lastId, publish);
        return lastId;
    }

    /** The publish acknowledged by a PUBACK with this identifier, removed; null if none waits for it. */
    CompletableFuture<Void> remove(int packetId) {
        return waiting.remove(packetId);
    }

    /** Fails every waiting publish (the connection closed). */
    void failAll(LoadFailure reason) {
        waiting.values().forEach(publish -> publish.completeExceptionally(reason));
        waiting.clear();
    }
}
