package io.hatchway.bench;

import java.util.concurrent.CompletableFuture;

/**
 * One simulated device's MQTT connection, as the load generator drives it. Implementations are thread-safe: any
 * method may be called from any thread, and futures may complete on the client's I/O threads, so their callbacks
 * must not block.
 */
public interface LoadConnection {

    /**
     * Connects with a clean session / clean start.
     *
     * @return completes when the server accepted the connection (CONNACK success); fails with a {@link LoadFailure}
     *         otherwise
     */
    CompletableFuture<Void> connect();

    /**
     * Publishes one message on the run's topic at the run's QoS.
     *
     * @return for QoS 1 completes on a successful PUBACK, for QoS 0 once the message was written to the socket; fails
     *         with a {@link LoadFailure} (e.g. a PUBACK error reason code, or the connection closed)
     */
    CompletableFuture<Void> publish(byte[] payload);

    /**
     * Completes with the reason when the connection is lost after it was accepted, other than by {@link #disconnect}.
     */
    CompletableFuture<LoadFailure> lost();

    /** Sends DISCONNECT and closes; completes when closed. Never fails; harmless if not connected. */
    CompletableFuture<Void> disconnect();
}
