package io.hatchway.registry;

/**
 * What happens when a device connects with a client identifier that already has a live connection
 * ({@code spec.mqtt.takeover} of its application).
 */
public enum Takeover {
    /**
     * The newer connection wins and the older one is closed (MQTT 5 DISCONNECT 0x8E Session taken over), as the MQTT
     * specification requires [MQTT-3.1.4-3]. The default.
     */
    REPLACE,
    /**
     * The newer connection is refused (CONNACK 0x02 Identifier rejected, MQTT 5 0x85 Client Identifier not valid)
     * while the older one is alive; for fleets that expect a duplicate client to be turned away.
     */
    REJECT
}
