package io.hatchway.transport;

/** Names of the MQTT pipeline's handlers, in pipeline order. */
public final class HandlerNames {

    public static final String LIFECYCLE = "lifecycle";
    public static final String CONNECT_TIMEOUT = "connectTimeout";
    /** Transport slots, filled as the listener's {@link Transport} decides. */
    /** Marks the channel being read, for the TLS-PSK key callback; before {@link #TLS}. */
    public static final String PSK_CHANNEL = "pskChannel";
    public static final String TLS = "tls";
    public static final String HTTP = "http";
    public static final String HTTP_AGGREGATOR = "httpAggregator";
    public static final String WEBSOCKET_CHECK = "webSocketCheck";
    public static final String WEBSOCKET = "webSocket";
    public static final String WEBSOCKET_FRAMES = "webSocketFrames";
    /** Looks at the first bytes only, then removes itself. */
    public static final String LEVEL_SNIFFER = "levelSniffer";
    /** Backends (integration listener): closes a connection silent for 1.5 times its keep-alive; after CONNECT. */
    public static final String KEEP_ALIVE = "keepAlive";
    /** Whole packets to the decoder; MQTT 5 PUBLISH property sections checked first. */
    public static final String FRAMER = "mqttFramer";
    public static final String DECODER = "mqttDecoder";
    public static final String ENCODER = "mqttEncoder";
    /** Before the encoder on the way out: writes in the version of the connection's CONNECT. */
    public static final String CODEC_VERSION = "codecVersion";
    public static final String GUARD = "guard";
    public static final String CONNECT = "connect";
    public static final String PUBLISH = "publish";
    public static final String SUBSCRIBE = "subscribe";
    public static final String UNSUBSCRIBE = "unsubscribe";
    /** Backends (integration listener): SUBSCRIBE, UNSUBSCRIBE and PUBACK of delivered events. */
    public static final String BACKEND_SUBSCRIPTIONS = "backendSubscriptions";
    /** Backends (integration listener): PUBLISH of commands. */
    public static final String BACKEND_COMMANDS = "backendCommands";
    public static final String CONTROL = "control";
    public static final String EXCEPTION = "exception";

    private HandlerNames() {
    }
}
