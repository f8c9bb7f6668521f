package io.hatchway.mqtt;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.List;

/**
 * The rules on CONNECT and PUBLISH that Netty's decoder does not enforce, checked by {@link ProtocolGuard}: each
 * returns why the packet breaks the protocol, or null. A CONNECT problem closes without CONNACK; a PUBLISH problem
 * is a protocol error (MQTT 5: DISCONNECT 0x82). Stateless.
 */
final class PacketChecks {

    private PacketChecks() {
    }

    /** PUBLISH header flags and MQTT 5 properties Netty's decoder lets through. */
    static String publishProblem(MqttPublishMessage publish, boolean v5) {
        if (publish.fixedHeader().isDup() && publish.fixedHeader().qosLevel() == MqttQoS.AT_MOST_ONCE) {
            return "DUP flag on a QoS 0 PUBLISH"; // [MQTT-3.3.1-2]
        }
        MqttProperties properties = publish.variableHeader().properties();
        if (properties.getProperty(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value()) != null) {
            return "Subscription Identifier in a PUBLISH from a client"; // [MQTT-3.3.4-6]
        }
        MqttProperties.MqttProperty<?> format =
                properties.getProperty(MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value());
        if (format != null && !format.value().equals(0) && !format.value().equals(1)) {
            return "Payload Format Indicator " + format.value() + ", not 0 or 1"; // MQTT 5 section 3.3.2.3.2
        }
        if (v5 && !properties.isEmpty() && propertySectionLength(publish) != encodedLength(properties)) {
            // Netty keeps one value per property: the bytes of a repeated one are missing from what it kept.
            return "a property other than User Property appears more than once"; // MQTT 5 section 3.3.2.3
        }
        return null;
    }

    /** The bytes the PUBLISH's property section took, its length prefix included. */
    private static long propertySectionLength(MqttPublishMessage publish) {
        return (long) publish.fixedHeader().remainingLength() - 2
                - ByteBufUtil.utf8Bytes(publish.variableHeader().topicName())
                - (publish.fixedHeader().qosLevel() == MqttQoS.AT_MOST_ONCE ? 0 : 2)
                - publish.payload().readableBytes();
    }

    /** The bytes {@code properties} take encoded once each, length prefix included (MQTT 5 section 2.2.2). */
    private static long encodedLength(MqttProperties properties) {
        long length = 0;
        for (MqttProperties.MqttProperty<?> property : properties.listAll()) {
            Object value = property.value();
            if (value instanceof List<?> pairs) {
                for (Object pair : pairs) {
                    length += 1 + pairLength((MqttProperties.StringPair) pair);
                }
            } else if (value instanceof MqttProperties.StringPair pair) {
                length += 1 + pairLength(pair);
            } else if (value instanceof String text) {
                length += 1 + 2 + ByteBufUtil.utf8Bytes(text);
            } else if (value instanceof byte[] bytes) {
                length += 1 + 2 + bytes.length;
            } else {
                length += 1 + integerLength(property.propertyId(), (Integer) value);
            }
        }
        return variableByteIntegerLength(length) + length;
    }

    private static int pairLength(MqttProperties.StringPair pair) {
        return 2 + ByteBufUtil.utf8Bytes(pair.key) + 2 + ByteBufUtil.utf8Bytes(pair.value);
    }

    private static int integerLength(int id, int value) {
        return switch (id) {
            case MqttProperties.SERVER_KEEP_ALIVE, MqttProperties.RECEIVE_MAXIMUM, MqttProperties.TOPIC_ALIAS_MAXIMUM,
                 MqttProperties.TOPIC_ALIAS -> 2;
            case MqttProperties.PUBLICATION_EXPIRY_INTERVAL, MqttProperties.SESSION_EXPIRY_INTERVAL,
                 MqttProperties.WILL_DELAY_INTERVAL, MqttProperties.MAXIMUM_PACKET_SIZE -> 4;
            case MqttProperties.SUBSCRIPTION_IDENTIFIER -> variableByteIntegerLength(value);
            default -> 1;
        };
    }

    private static int variableByteIntegerLength(long value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    /** CONNECT flag combinations Netty's decoder lets through; the packet is malformed, so no CONNACK. */
    static String connectFlagsProblem(MqttConnectVariableHeader header) {
        if (header.willQos() > 2) {
            return "malformed CONNECT: will QoS 3"; // [MQTT-3.1.2-14]
        }
        if (!header.isWillFlag() && (header.willQos() != 0 || header.isWillRetain())) {
            return "malformed CONNECT: will QoS or will retain set without the will flag"; // [MQTT-3.1.2-11, -13]
        }
        if (header.version() < 5 && header.hasPassword() && !header.hasUserName()) {
            return "malformed CONNECT: password flag without user name flag"; // [MQTT-3.1.2-22]
        }
        return null;
    }
}
