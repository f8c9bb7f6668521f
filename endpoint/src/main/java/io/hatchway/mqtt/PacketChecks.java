package io.hatchway.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;


/**
 * The rules on CONNECT and PUBLISH that Netty's decoder does not enforce, checked by {@link ProtocolGuard}: each
 * returns why the packet breaks the protocol, or null. A CONNECT problem closes without CONNACK; a PUBLISH problem
 * is a protocol error (MQTT 5: DISCONNECT 0x82). Stateless.
 */
final class PacketChecks {

    private PacketChecks() {
    }

    /** PUBLISH header flags and MQTT 5 properties Netty's decoder lets through. */
    static String publishProblem(MqttPublishMessage publish) {
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
        return null;
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
