package io.hatchway.mqtt;

import io.cloudevents.CloudEvent;
import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.events.SinkFullException;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.metrics.EndpointMetrics.ConnectOutcome;
import io.hatchway.registry.Takeover;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The beginning and end of an established connection, in one place: registering the device (applying the
 * application's takeover policy), the Drogue connection events ({@code io.drogue.connection.v1},
 * {@code {"connected": true|false}}), the will and presence.
 *
 * <p>A connection is "superseded" when another connection of its device was announced (accepted) after it: a
 * takeover, or a reconnect before the old connection's close was processed. The end of a superseded connection
 * emits no {@code connected:false} (the device never went offline) and drops a delayed will [MQTT-3.1.3-9]. A
 * device's connected and disconnected events are sent under one per-device lock, so they are handed to the sink in
 * the order the connections were announced and ended, whichever event loops those ran on. Wills are read at the end
 * with the connection's dialect and sent at once or, with an MQTT 5 Will Delay Interval (capped at
 * {@link #MAX_WILL_DELAY}), later unless the device has connected again by then; pending wills are sent at shutdown.
 * Lifecycle events refused by a full sink are retried for a while, then counted as lost (a disconnected event is
 * dropped instead once the device has connected again). Thread-safe; {@link #begin} and {@link #end} run on the
 * session's event loop.
 */
public final class SessionLifecycle {

    /** The longest will delay honoured. */
    static final Duration MAX_WILL_DELAY = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(SessionLifecycle.class);
    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long LAST_RETRY_MILLIS = 5_000;

    private record DeviceKey(String application, String device) {
    }

    /** A will waiting for its delay: only what the event needs, not the closed session. */
    private record PendingWill(long attempt, WillReader.WillEvent event, EventExecutor executor) {
    }

    private final ConnectedDevices devices;
    private final WillReader wills;
    private final EventMapper mapper;
    private final EventSink sink;
    private final EndpointMetrics metrics;
    private final DevicePresence presence;
    /** The attempt of each device's last announced connection; its bins are the per-device lock. */
    private final ConcurrentMap<DeviceKey, Long> announced = new ConcurrentHashMap<>();
    private final ConcurrentMap<DeviceKey, PendingWill> pendingWills = new ConcurrentHashMap<>();

    public SessionLifecycle(ConnectedDevices devices, WillReader wills, EventMapper mapper, EventSink sink,
                            EndpointMetrics metrics, DevicePresence presence) {
        this.devices = devices;
        this.wills = wills;
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
        SUPERSEDED,
        /** The endpoint has {@code mqtt.maxConnections} devices connected: refuse the CONNECT. */
        SERVER_FULL,
        /** The application has {@code spec.mqtt.maxConnections} devices connected: refuse the CONNECT. */
        APPLICATION_FULL
    }

    /**
     * Registers an authenticated session, applying its application's takeover policy: {@code replace} (the newer
     * connection wins, the older gets DISCONNECT 0x8E) or {@code reject} (a second connection is refused while the
     * first is alive: open and heard of within its keep-alive, or the application's offline threshold), within
     * the endpoint's and the application's limits of connected devices.
     */
    Begin begin(Session session) {
        boolean replace = session.application().mqtt().takeover() == Takeover.REPLACE;
        Duration threshold = session.application().mqtt().offlineThreshold();
        ConnectedDevices.Registration registration =
                devices.register(session, replace, registered -> registered.alive(threshold));
        if (registration.exceeded().isPresent()) {
            metrics.connect(ConnectOutcome.OVER_LIMIT);
            return registration.exceeded().get() == ConnectedDevices.Limit.SERVER ? Begin.SERVER_FULL
                    : Begin.APPLICATION_FULL;
        }
        Optional<Session> loser = registration.loser();
        if (loser.isPresent() && loser.get() == session) {
            if (!replace) {
                metrics.connect(ConnectOutcome.REFUSED);
                return Begin.REJECTED;
            }
            metrics.connect(ConnectOutcome.TAKEN_OVER);
            Disconnector.close(session, "a newer connection of the same device exists");
            return Begin.SUPERSEDED;
        }
        // Announced before the loser is disconnected, so that its end, on another event loop, sees it superseded.
        DeviceKey key = key(session);
        session.announced(true);
        presence.connected(session);
        announced.compute(key, (k, previous) -> {
            send(mapper.connection(key.application(), key.device(), true, now()), session.channel().eventLoop());
            return session.attempt();
        });
        loser.ifPresent(previous -> {
            metrics.connect(ConnectOutcome.TAKEN_OVER);
            Disconnector.disconnect(previous, MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER,
                    "another connection of the same device took over");
        });
        PendingWill pending = pendingWills.remove(key);
        if (pending != null) {
            LOG.debug("{} reconnected within its will delay: will cancelled", session);
        }
        return Begin.ACCEPTED;
    }

    /** Called once when the channel of {@code session} closed. */
    void end(Session session) {
        if (session.announced()) {
            presence.disconnected(session);
        }
        devices.unregister(session);
        if (!session.announced()) {
            return;
        }
        DeviceKey key = key(session);
        boolean superseded = superseded(key, session.attempt());
        Will will = session.will();
        if (will != null) {
            Optional<WillReader.WillEvent> event = wills.read(session, will);
            long delay = Math.min(will.delaySeconds(), MAX_WILL_DELAY.toSeconds());
            if (event.isEmpty()) {
                LOG.debug("will of {} names a device it may not act for: dropped", session);
            } else if (delay == 0) {
                send(event.get().build(), session.channel().eventLoop());
            } else if (superseded) {
                // [MQTT-3.1.3-9]: a new connection of the device before the delay passed cancels the will.
                LOG.debug("{} was superseded within its will delay: will cancelled", session);
            } else {
                scheduleWill(key, new PendingWill(session.attempt(), event.get(), session.channel().eventLoop()),
                        delay);
            }
        }
        sendDisconnected(key, session.attempt(), mapper.connection(key.application(), key.device(), false, now()),
                session.channel().eventLoop(), FIRST_RETRY_MILLIS);
    }

    /** Sends the wills still waiting for their delay: the endpoint is shutting down. */
    public void sendPendingWills() {
        pendingWills.forEach((key, pending) -> {
            if (pendingWills.remove(key, pending)) {
                sink.send(pending.event().build());
            }
        });
    }

    private void scheduleWill(DeviceKey key, PendingWill pending, long delaySeconds) {
        pendingWills.put(key, pending);
        if (superseded(key, pending.attempt())) {
            // a newer connection began while this one ended
            pendingWills.remove(key, pending);
            return;
        }
        pending.executor().schedule(() -> {
            if (pendingWills.remove(key, pending) && !superseded(key, pending.attempt())) {
                send(pending.event().build(), pending.executor());
            }
        }, delaySeconds, TimeUnit.SECONDS);
    }

    private boolean superseded(DeviceKey key, long attempt) {
        Long last = announced.get(key);
        return last != null && last != attempt;
    }

    /**
     * Sends the disconnected event of the connection {@code attempt} unless it is superseded (checked under the
     * device's lock, so that no newer connected event can be sent before it).
     */
    private void sendDisconnected(DeviceKey key, long attempt, CloudEvent event, EventExecutor executor,
                                  long retryMillis) {
        announced.computeIfPresent(key, (k, last) -> {
            if (last == attempt) {
                send(event, executor, retryMillis, () -> sendDisconnected(key, attempt, event, executor,
                        retryMillis * 2));
            } else {
                LOG.debug("{}: connected again, disconnected event {} not sent", key, event.getId());
            }
            return last;
        });
    }

    /** Sends a lifecycle event; a full sink is retried with backoff (events cannot be refused to anyone). */
    private void send(CloudEvent event, EventExecutor executor) {
        send(event, executor, FIRST_RETRY_MILLIS);
    }

    private void send(CloudEvent event, EventExecutor executor, long retryMillis) {
        send(event, executor, retryMillis, () -> send(event, executor, retryMillis * 2));
    }

    /** Sends {@code event}; if the sink is full, runs {@code retry} {@code retryMillis} later (until too late). */
    private void send(CloudEvent event, EventExecutor executor, long retryMillis, Runnable retry) {
        sink.send(event).whenComplete((ok, error) -> {
            if (error == null) {
                return;
            }
            Throwable cause = EventMapper.causeOf(error);
            if (cause instanceof SinkFullException && retryMillis <= LAST_RETRY_MILLIS) {
                executor.schedule(retry, retryMillis, TimeUnit.MILLISECONDS);
                return;
            }
            metrics.lifecycleEventLost();
            LOG.warn("{} event {} was not accepted by the sink: {}", event.getType(), event.getId(), cause.toString());
        });
    }

    private static DeviceKey key(Session session) {
        return new DeviceKey(session.application().name(), session.device().name());
    }

    private static Instant now() {
        return Instant.now();
    }
}
