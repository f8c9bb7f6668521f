package io.hatchway.mqtt;

import io.cloudevents.CloudEvent;
import io.hatchway.dialect.PublishTarget;
import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.events.InvalidPayloadException;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.metrics.EndpointMetrics.ConnectOutcome;
import io.hatchway.registry.Registry;
import io.hatchway.registry.Takeover;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The beginning and end of an established connection, in one place: registering the device (taking over an older
 * connection), the Drogue connection events ({@code io.drogue.connection.v1}, {@code {"connected": true|false}}),
 * the will (published on an ungraceful end, after the MQTT 5 Will Delay Interval, cancelled if the device
 * reconnects in time) and presence. Thread-safe; {@link #begin} and {@link #end} run on the session's event loop.
 */
public final class SessionLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(SessionLifecycle.class);

    private record DeviceKey(String application, String device) {
    }

    private final ConnectedDevices devices;
    private final Registry registry;
    private final EventMapper mapper;
    private final EventSink sink;
    private final EndpointMetrics metrics;
    private final DevicePresence presence;
    private final ConcurrentMap<DeviceKey, ScheduledFuture<?>> delayedWills = new ConcurrentHashMap<>();

    public SessionLifecycle(ConnectedDevices devices, Registry registry, EventMapper mapper, EventSink sink,
                            EndpointMetrics metrics, DevicePresence presence) {
        this.devices = devices;
        this.registry = registry;
        this.mapper = mapper;
        this.sink = sink;
        this.metrics = metrics;
        this.presence = presence;
    }

    public ConnectedDevices devices() {
        return devices;
    }

    /** How {@link #begin} ended. */
    enum Begin {
        /** Registered: answer CONNACK 0x00. */
        ACCEPTED,
        /** The application's takeover policy is {@code reject} and the device is connected: refuse the CONNECT. */
        REJECTED,
        /** A newer CONNECT of the same device won while this one was authenticated: the session was closed. */
        SUPERSEDED
    }

    /**
     * Registers an authenticated session, applying its application's takeover policy: {@code replace} (the newer
     * connection wins, the older gets DISCONNECT 0x8E) or {@code reject} (a second connection is refused while the
     * first is open).
     */
    Begin begin(Session session) {
        boolean replace = session.application().mqtt().takeover() == Takeover.REPLACE;
        Optional<Session> loser = devices.register(session, replace);
        if (loser.isPresent() && loser.get() == session) {
            if (!replace) {
                metrics.connect(ConnectOutcome.REFUSED);
                return Begin.REJECTED;
            }
            metrics.connect(ConnectOutcome.TAKEN_OVER);
            Disconnector.close(session, "a newer connection of the same device exists");
            return Begin.SUPERSEDED;
        }
        loser.ifPresent(previous -> {
            metrics.connect(ConnectOutcome.TAKEN_OVER);
            Disconnector.disconnect(previous, MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER,
                    "another connection of the same device took over");
        });
        ScheduledFuture<?> pendingWill = delayedWills.remove(key(session));
        if (pendingWill != null && pendingWill.cancel(false)) {
            LOG.debug("{} reconnected within its will delay: will cancelled", session);
        }
        session.announced(true);
        presence.connected(session);
        send(mapper.connection(session.application().name(), session.device().name(), true, now()), session);
        return Begin.ACCEPTED;
    }

    /** Called once when the channel of {@code session} closed. */
    void end(Session session) {
        devices.unregister(session);
        if (!session.announced()) {
            return;
        }
        presence.disconnected(session);
        Will will = session.will();
        boolean succeeded = devices.get(session.application().name(), session.device().name()).isPresent();
        if (will != null && will.delaySeconds() > 0 && succeeded) {
            // [MQTT-3.1.3-9]: a new connection of the device before the delay passed cancels the will.
            LOG.debug("{} was taken over within its will delay: will cancelled", session);
        } else if (will != null) {
            if (will.delaySeconds() > 0) {
                DeviceKey key = key(session);
                ScheduledFuture<?> timer = session.channel().eventLoop().schedule(() -> {
                    delayedWills.remove(key);
                    send(willEvent(session, will), session);
                }, will.delaySeconds(), TimeUnit.SECONDS);
                ScheduledFuture<?> replaced = delayedWills.put(key, timer);
                if (replaced != null) {
                    replaced.cancel(false);
                }
            } else {
                send(willEvent(session, will), session);
            }
        }
        send(mapper.connection(session.application().name(), session.device().name(), false, now()), session);
    }

    /**
     * The will as an event, read like a publish of the connection: with the dialect, and for another device only
     * if the gateway rule allows it; a topic the dialect cannot read becomes the channel as it is.
     */
    private CloudEvent willEvent(Session session, Will will) {
        String self = session.device().name();
        String device = self;
        String channel = will.topic();
        Optional<PublishTarget> target = session.dialect(registry.current()).parse(will.topic());
        if (target.isPresent()) {
            Optional<String> allowed = target.get().forSelf() ? Optional.of(self)
                    : session.gateways().authorize(target.get().device());
            if (allowed.isPresent()) {
                device = allowed.get();
                channel = target.get().channel();
            }
        }
        String app = session.application().name();
        try {
            return mapper.map(app, device, self, channel, will.payload(), will.contentType(), now());
        } catch (InvalidPayloadException e) {
            // A will is never lost: a payload not matching its declared JSON type goes out as plain bytes.
            return mapper.map(app, device, self, channel, will.payload(), null, now());
        }
    }

    private void send(CloudEvent event, Session session) {
        sink.send(event).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("event {} of {} was not accepted by the sink: {}", event.getType(), session,
                        error.toString());
            }
        });
    }

    private static DeviceKey key(Session session) {
        return new DeviceKey(session.application().name(), session.device().name());
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
