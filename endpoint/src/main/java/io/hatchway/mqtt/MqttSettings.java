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
 * @param blockedTimeout how long a connection may stay blocked that way before it is disconnected (MQTT 5:
 *                       DISCONNECT 0x89 Server busy)
 * @param limits         keep-alive, connection, topic and authentication-failure limits
 */
public record MqttSettings(int maxPacketSize, Duration connectTimeout, int receiveMaximum, Duration blockedTimeout,
                           MqttLimits limits) {
    public MqttSettings {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(blockedTimeout, "blockedTimeout");
        Objects.requireNonNull(limits, "limits");
        if (maxPacketSize <= 0 || receiveMaximum <= 0 || receiveMaximum > 65_535) {
            throw new IllegalArgumentException("invalid maxPacketSize or receiveMaximum");
        }
    }

    /** Settings with the {@link MqttLimits#DEFAULTS default limits}. */
    public MqttSettings(int maxPacketSize, Duration connectTimeout, int receiveMaximum, Duration blockedTimeout) {
        this(maxPacketSize, connectTimeout, receiveMaximum, blockedTimeout, MqttLimits.DEFAULTS);
    }
}
