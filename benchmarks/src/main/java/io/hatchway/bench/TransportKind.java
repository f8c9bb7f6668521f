package io.hatchway.bench;

/** How the load tool reaches the server. */
public enum TransportKind {
    /** Plain MQTT over TCP. */
    TCP(1883, false, false),
    /** MQTT over TLS. */
    TLS(8883, true, false),
    /** MQTT over WebSocket. */
    WS(8083, false, true),
    /** MQTT over secure WebSocket. */
    WSS(8084, true, true);

    private final int defaultPort;
    private final boolean tls;
    private final boolean webSocket;

    TransportKind(int defaultPort, boolean tls, boolean webSocket) {
        this.defaultPort = defaultPort;
        this.tls = tls;
        this.webSocket = webSocket;
    }

    /** The port used when {@code --port} is not given: Hatchway's example configuration's. */
    public int defaultPort() {
        return defaultPort;
    }

    public boolean tls() {
        return tls;
    }

    public boolean webSocket() {
        return webSocket;
    }
}
