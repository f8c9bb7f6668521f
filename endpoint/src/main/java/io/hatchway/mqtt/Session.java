package io.hatchway.mqtt;

import io.hatchway.auth.GatewayDecisions;
import io.hatchway.commands.CommandSubscriptions;
import io.hatchway.dialect.TopicDialect;
import io.hatchway.registry.Application;
import io.hatchway.registry.Device;
import io.hatchway.registry.RegistrySnapshot;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The state of one MQTT connection. Mutated only on the channel's event loop, except {@link #subscriptions()},
 * which is an immutable value published for the command path on other threads.
 */
public final class Session {

    private static final AttributeKey<Session> KEY = AttributeKey.valueOf(Session.class, "session");

    private final Channel channel;
    private volatile SessionState state = SessionState.AWAITING_CONNECT;
    private MqttVersion version = MqttVersion.MQTT_3_1_1;
    private int requestedLevel = -1;
    private long attempt;
    private volatile long clientMaximumPacketSize = Long.MAX_VALUE;
    private boolean problemInformation = true;
    /** When the last read that brought packets began, in nanoseconds since the epoch. */
    private volatile long lastReadNanos = epochNanos(Instant.now());
    private volatile Instant connectedSince;
    private Will will;
    private long dialectGeneration = -1;
    private TopicDialect dialect;
    private boolean announced;
    private volatile int keepAliveSeconds;
    private Application application;
    private Device device;
    private GatewayDecisions gateways;
    private volatile CommandSubscriptions subscriptions = CommandSubscriptions.NONE;
    private int inFlight;
    /** QoS 2 packet ids received and not yet released: true once PUBREC was sent. */
    private Map<Integer, Boolean> qos2;

    private Session(Channel channel) {
        this.channel = channel;
    }

    /** Creates the session of a new channel. */
    public static Session attach(Channel channel) {
        Session session = new Session(channel);
        if (channel.attr(KEY).setIfAbsent(session) != null) {
            throw new IllegalStateException("channel " + channel + " already has a session");
        }
        return session;
    }

    /** The session of {@code channel}; fails loudly if the pipeline did not attach one. */
    public static Session of(Channel channel) {
        Session session = channel.attr(KEY).get();
        if (session == null) {
            throw new IllegalStateException("channel " + channel + " has no session");
        }
        return session;
    }

    public Channel channel() {
        return channel;
    }

    public SessionState state() {
        return state;
    }

    public void state(SessionState next) {
        if (next.ordinal() < state.ordinal()) {
            throw new IllegalStateException("session cannot go from " + state + " back to " + next);
        }
        state = next;
    }

    public boolean isV5() {
        return version == MqttVersion.MQTT_5;
    }

    public MqttVersion version() {
        return version;
    }

    public void version(MqttVersion version) {
        this.version = Objects.requireNonNull(version);
    }

    /** When the CONNECT arrived, relative to other CONNECTs (see {@link ConnectedDevices#nextAttempt()}). */
    long attempt() {
        return attempt;
    }

    void attempt(long attempt) {
        this.attempt = attempt;
    }

    /**
     * Notes that a read from the socket brought packets, at {@code now}: the time they arrived. Event-loop only
     * (readers may be on any thread).
     */
    void received(Instant now) {
        lastReadNanos = epochNanos(now);
    }

    /** When the read began that brought the packet being handled: the arrival time of its events. */
    Instant receivedAt() {
        return Instant.ofEpochSecond(0, lastReadNanos);
    }

    private long lastSeenMillis() {
        return Math.floorDiv(lastReadNanos, 1_000_000L);
    }

    private static long epochNanos(Instant time) {
        return time.getEpochSecond() * 1_000_000_000L + time.getNano();
    }

    void keepAlive(int seconds) {
        this.keepAliveSeconds = seconds;
    }

    /**
     * Whether the connection is alive: open, not closing, and heard of within 1.5 times its keep-alive (with
     * keep-alive off, within {@code threshold}). A registered session still finishing its CONNECT (between its
     * registration and its CONNACK) is alive. Readable from any thread.
     */
    boolean alive(Duration threshold) {
        if (!channel.isActive() || state == SessionState.CLOSING) {
            return false;
        }
        long limit = keepAliveSeconds > 0 ? keepAliveSeconds * 1500L : threshold.toMillis();
        return System.currentTimeMillis() - lastSeenMillis() <= limit;
    }

    /**
     * Whether the client has been silent for more than 1.5 times its keep-alive while the endpoint was reading its
     * socket (keep-alive 0: never). Readable from any thread.
     */
    boolean keepAliveExpired(long nowMillis) {
        int keepAlive = keepAliveSeconds;
        return keepAlive > 0 && state == SessionState.CONNECTED && channel.config().isAutoRead()
                && nowMillis - lastSeenMillis() > keepAlive * 1500L;
    }

    /** When the client last sent a packet; readable from any thread. */
    public Instant lastSeen() {
        return Instant.ofEpochMilli(lastSeenMillis());
    }

    /** When the CONNECT was accepted; null before. Readable from any thread. */
    public Instant connectedSince() {
        return connectedSince;
    }

    /** The will to publish if the connection ends ungracefully; null if none (or no longer). */
    Will will() {
        return will;
    }

    void will(Will will) {
        this.will = will;
    }

    /** Whether the connected event was sent, so the end must be announced too. */
    boolean announced() {
        return announced;
    }

    void announced(boolean announced) {
        this.announced = announced;
    }

    /** The largest packet the client accepts (MQTT 5 Maximum Packet Size); readable from any thread. */
    public long clientMaximumPacketSize() {
        return clientMaximumPacketSize;
    }

    /** Whether the client wants reason strings on acknowledgements (MQTT 5 Request Problem Information). */
    boolean problemInformation() {
        return problemInformation;
    }

    void clientPreferences(long maximumPacketSize, boolean problemInformation) {
        this.clientMaximumPacketSize = maximumPacketSize;
        this.problemInformation = problemInformation;
    }

    /** The protocol level the client's CONNECT asked for, or -1 if unknown. */
    int requestedLevel() {
        return requestedLevel;
    }

    void requestedLevel(int level) {
        this.requestedLevel = level;
    }

    /** Called once the CONNECT is accepted. */
    void established(Application application, Device device, GatewayDecisions gateways) {
        this.application = Objects.requireNonNull(application);
        this.device = Objects.requireNonNull(device);
        this.gateways = Objects.requireNonNull(gateways);
        this.connectedSince = Instant.now();
    }

    /** The connected device's application; null before the CONNECT is accepted. */
    public Application application() {
        return application;
    }

    /** The connected device; null before the CONNECT is accepted. */
    public Device device() {
        return device;
    }

    public GatewayDecisions gateways() {
        return gateways;
    }

    /**
     * How this connection's topics are read: the dialect of its device (or its application), as the registry says
     * now; re-read when the registry changes. Event-loop only.
     */
    public TopicDialect dialect(RegistrySnapshot snapshot) {
        if (snapshot.generation() != dialectGeneration) {
            Device current = snapshot.device(application.name(), device.name()).orElse(device);
            dialect = TopicDialect.of(snapshot.effectiveDialect(current));
            dialectGeneration = snapshot.generation();
        }
        return dialect;
    }

    public CommandSubscriptions subscriptions() {
        return subscriptions;
    }

    void subscriptions(CommandSubscriptions subscriptions) {
        this.subscriptions = Objects.requireNonNull(subscriptions);
    }

    int inFlight() {
        return inFlight;
    }

    void inFlight(int delta) {
        inFlight += delta;
    }

    Map<Integer, Boolean> qos2() {
        if (qos2 == null) {
            qos2 = new HashMap<>(4);
        }
        return qos2;
    }

    @Override
    public String toString() {
        return device == null ? channel.toString() : device.name() + "@" + device.application() + " " + channel;
    }
}
