package io.hatchway.mqtt;

import java.time.Duration;
import java.util.Objects;

/**
 * Protocol settings of an MQTT listener.
 *
 * @param maxPacketSize  largest accepted packet in bytes (advertised to MQTT 5 clients)
 * @param connectTimeout time allowed between TCP accept and CONNECT
 * @param receiveMaximum QoS 1 and 2 publishes in flight per connection (advertised to MQTT 5 clients); when
 *                       reached, the socket is not read until the sink catches up
 */
public record MqttSettings(int maxPacketSize, Duration connectTimeout, int receiveMaximum) {
    public MqttSettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (maxPacketSize <= 0 || receiveMaximum <= 0 || receiveMaximum > 65_535) {
            throw new IllegalArgumentException("invalid maxPacketSize or receiveMaximum");
        }
    }
}
