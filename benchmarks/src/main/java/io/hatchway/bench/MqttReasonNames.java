package io.hatchway.bench;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

/**
 * Names of the reason codes the Netty client receives, spelt as the MQTT specification and the HiveMQ client do,
 * so that error counts read the same whichever client ran.
 */
final class MqttReasonNames {

    private MqttReasonNames() {
    }

    /** E.g. {@code BAD_USER_NAME_OR_PASSWORD} for Netty's {@code CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD}. */
    static String connAck(MqttConnectReturnCode code) {
        String name = code.name().replace("CONNECTION_REFUSED_", "").replace("USERNAME", "USER_NAME");
        return name.endsWith("_5") ? name.substring(0, name.length() - 2) : name;
    }

    static String pubAck(byte code) {
        try {
            return MqttReasonCodes.PubAck.valueOf(code).name();
        } catch (IllegalArgumentException e) {
            return "UNKNOWN";
        }
    }

    static String disconnect(byte code) {
        try {
            String name = MqttReasonCodes.Disconnect.valueOf(code).name();
            return name.equals("NORMAL_DISCONNECT") ? "NORMAL_DISCONNECTION" : name;
        } catch (IllegalArgumentException e) {
            return "UNKNOWN";
        }
    }
}
