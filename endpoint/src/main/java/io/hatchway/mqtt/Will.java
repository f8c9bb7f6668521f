package io.hatchway.mqtt;

import java.util.Objects;

/**
 * The will of a connection, as given in its CONNECT: published as an event if the connection ends without a
 * normal DISCONNECT.
 *
 * @param topic        the will topic, read with the connection's dialect
 * @param payload      the will payload
 * @param contentType  the MQTT 5 Content Type of the will, or null
 * @param delaySeconds the MQTT 5 Will Delay Interval (0: at once)
 */
public record Will(String topic, byte[] payload, String contentType, long delaySeconds) {
    public Will {
        Objects.requireNonNull(topic, "topic");
        payload = payload == null ? new byte[0] : payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}
