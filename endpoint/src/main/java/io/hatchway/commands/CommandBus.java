package io.hatchway.commands;

import java.util.concurrent.CompletableFuture;

/**
 * Where the command API hands commands: delivered to this instance's connections ({@link CommandRouter}), or
 * published to Kafka for every instance to deliver to its own ({@link KafkaCommandBus}). Thread-safe.
 */
public interface CommandBus {

    /**
     * Sends command {@code command} to {@code deviceRef} (a device name or alias) of {@code application}.
     *
     * @param contentType carried as the MQTT 5 Content Type; may be null
     */
    CompletableFuture<Delivery> send(String application, String deviceRef, String command, byte[] payload,
                                     String contentType);

    /** Whether the bus can take commands (e.g. its consumer is assigned). */
    default boolean ready() {
        return true;
    }
}
