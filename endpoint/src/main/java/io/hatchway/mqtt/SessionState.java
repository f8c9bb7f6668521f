package io.hatchway.mqtt;

/** The lifecycle of one MQTT connection. It only moves forward. */
public enum SessionState {
    /** TCP accepted, no CONNECT yet. */
    AWAITING_CONNECT,
    /** CONNECT received, credentials being checked; the socket is not read meanwhile. */
    AUTHENTICATING,
    /** CONNACK 0x00 sent; the device may publish and subscribe. */
    CONNECTED,
    /** The server decided to close; nothing more is processed. */
    CLOSING
}
