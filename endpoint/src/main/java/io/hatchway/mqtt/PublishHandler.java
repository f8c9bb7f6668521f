package io.hatchway.mqtt;

import io.cloudevents.CloudEvent;
import io.hatchway.events.EventMapper;
import io.hatchway.events.SinkFullException;
import io.hatchway.metrics.EndpointMetrics.PublishOutcome;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Handles PUBLISH: {@link PublishReader} turns it into a CloudEvent (or a refusal), which goes to the sink. QoS 1
 * and 2 are acknowledged only once the sink accepted the event.
 *
 * <p>Refusals: not authorized → QoS 0 dropped, QoS 1/2 v5 {@code 0x87}; invalid topic → v5 {@code 0x90}; JSON
 * content type with a payload that is not JSON, or a payload declared UTF-8 that is not → v5 {@code 0x99}; sink
 * full → v5 {@code 0x97}; sink failure → v5 {@code 0x80}; topic beyond {@code mqtt.maxTopicLength} or
 * {@code maxTopicLevels} → v5 {@code 0x90}; payload above the application's {@code maxPayloadSize} → v5 {@code 0x97};
 * QoS 1/2 beyond the application's rate limit → v5 {@code 0x97}. MQTT 3.1.1 has no negative acknowledgement, so there every refusal except a QoS 0
 * not-authorized drop closes the connection.
 *
 * <p>Back-pressure: when {@code receiveMaximum} publishes wait for the sink, or the sink is full, the socket is not
 * read until the sink catches up (a publish the full sink refused is offered again shortly); a connection whose
 * oldest publish waited longer than {@code blockedTimeout} is disconnected (MQTT 5: DISCONNECT 0x89 Server busy)
 * rather than held forever. The client resends what was not acknowledged. A publish beyond its application's rate
 * limit that cannot be refused (MQTT 3.1.1, or QoS 0) is taken, and the socket is not read until the limit allows
 * the next one: the connection is slowed down, not cut.
 */
public final class PublishHandler extends SimpleChannelInboundHandler<MqttPublishMessage> {

    private static final long FIRST_RETRY_MILLIS = 20;
    private static final long LAST_RETRY_MILLIS = 1_000;

    private final MqttServices services;
    private final Acknowledgements acks = new Acknowledgements();
    /** MQTT 3.1.1 only: a publish was refused, the connection closes once the acknowledgements before it left. */
    private boolean draining;
    /** The socket is not read before this ticker time: the application's rate limit (see {@link #throttle}). */
    private long throttledUntil = Long.MIN_VALUE;
    /** Watches the oldest publish waiting for the sink: ends the connection if it waits too long. */
    private ScheduledFuture<?> blocked;

    public PublishHandler(MqttServices services) {
        this.services = services;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        Session session = Session.of(ctx.channel());
        if (session.state() != SessionState.CONNECTED || draining) {
            return;
        }
        int qos = publish.fixedHeader().qosLevel().value();
        int packetId = publish.variableHeader().packetId();
        if (qos == 2 && session.qos2().containsKey(packetId)) {
            // A resent QoS 2 publish already given to the sink [MQTT-4.3.3-9]: not a new event.
            if (session.qos2().get(packetId)) {
                ctx.writeAndFlush(Acknowledgements.pubRec(packetId, Acknowledgements.SUCCESS,
                        MqttProperties.NO_PROPERTIES));
            }
            return;
        }
        if (session.isV5()) {
            if (qos > 0 && session.inFlight() >= services.settings().receiveMaximum()) {
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.RECEIVE_MAXIMUM_EXCEEDED,
                        "more than " + services.settings().receiveMaximum() + " unacknowledged QoS 1/2 publishes");
                return;
            }
            if (publish.variableHeader().properties().getProperty(
                    MqttProperties.MqttPropertyType.TOPIC_ALIAS.value()) != null) {
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.TOPIC_ALIAS_INVALID,
                        "topic aliases are not supported (Topic Alias Maximum is 0)");
                return;
            }
        }
        PublishReader.Result result = PublishReader.read(session, publish, services.mapper(),
                services.registry().current(), services.settings().limits());
        if (result instanceof PublishReader.Refused refused) {
            refuse(ctx, session, qos, packetId, refused.outcome(), refused.code(), refused.reason());
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        boolean mayRefuse = session.isV5() && qos > 0;
        long pause = services.quotas().take(session.application(), publish.payload().readableBytes(), !mayRefuse, now);
        if (pause == PublishQuotas.REFUSED) {
            refuse(ctx, session, qos, packetId, PublishOutcome.OVER_QUOTA,
                    MqttReasonCodes.PubAck.QUOTA_EXCEEDED.byteValue(), "application '" + session.application().name()
                            + "' is over its rate limit " + session.application().mqtt().rateLimit().orElseThrow());
            return;
        }
        if (pause > 0) {
            throttle(ctx, now + pause);
        }
        send(ctx, session, qos, packetId, ((PublishReader.Accepted) result).event(), now);
    }

    /**
     * Slows the connection down to its application's rate limit: its socket is not read until {@code untilNanos}.
     * Used where a publish cannot be refused (MQTT 3.1.1, QoS 0): it is taken, and the next ones wait.
     */
    private void throttle(ChannelHandlerContext ctx, long untilNanos) {
        throttledUntil = Math.max(throttledUntil, untilNanos);
        ctx.channel().config().setAutoRead(false);
        ctx.executor().schedule(() -> readIfBelowLimit(ctx), untilNanos - ctx.executor().ticker().nanoTime(),
                TimeUnit.NANOSECONDS);
    }

    private void send(ChannelHandlerContext ctx, Session session, int qos, int packetId, CloudEvent event, long now) {
        if (qos > 0) {
            session.inFlight(1);
        }
        if (qos == 2) {
            session.qos2().put(packetId, Boolean.FALSE);
        }
        Object handle = acks.add(qos, packetId, now);
        attempt(ctx, session, qos, handle, event, now, now, FIRST_RETRY_MILLIS);
        if (acks.size() >= services.settings().receiveMaximum()) {
            ctx.channel().config().setAutoRead(false);
        }
        watchBlocked(ctx, session);
    }

    /**
     * Hands the event to the sink. A full sink is back-pressure, not a refusal: the publish stays waiting, the
     * socket is not read, and the event is offered again shortly; only a publish the sink still cannot take after
     * {@code blockedTimeout} is refused (v5 0x97).
     */
    private void attempt(ChannelHandlerContext ctx, Session session, int qos, Object handle, CloudEvent event,
                         long since, long start, long retryMillis) {
        services.sink().send(event).whenComplete((ok, error) -> ctx.executor().execute(() -> {
            long now = ctx.executor().ticker().nanoTime();
            services.metrics().sinkSend(now - start);
            Throwable cause = EventMapper.causeOf(error);
            boolean full = cause instanceof SinkFullException;
            if (full && session.state() == SessionState.CONNECTED
                    && now - since < services.settings().blockedTimeout().toNanos()) {
                ctx.channel().config().setAutoRead(false);
                ctx.executor().schedule(() -> attempt(ctx, session, qos, handle, event, since,
                        ctx.executor().ticker().nanoTime(), Math.min(retryMillis * 2, LAST_RETRY_MILLIS)),
                        retryMillis, TimeUnit.MILLISECONDS);
                return;
            }
            byte code = Acknowledgements.SUCCESS;
            String failure = null;
            PublishOutcome outcome = PublishOutcome.ACCEPTED;
            if (error != null) {
                outcome = full ? PublishOutcome.SINK_FULL : PublishOutcome.SINK_FAILED;
                code = full ? MqttReasonCodes.PubAck.QUOTA_EXCEEDED.byteValue()
                        : MqttReasonCodes.PubAck.UNSPECIFIED_ERROR.byteValue();
                failure = full ? "event sink is full, retry later" : "event sink failed: " + cause.getMessage();
                if (qos > 0 && !session.isV5()) {
                    drain(ctx);
                }
            }
            services.metrics().publish(outcome, qos);
            acks.complete(ctx, session, handle, code, failure);
            readIfBelowLimit(ctx);
        }));
    }

    /**
     * Ends the connection once a publish has waited for the sink longer than {@code blockedTimeout} (MQTT 5:
     * DISCONNECT 0x89 Server busy) rather than holding the client forever; it resends what was not acknowledged.
     */
    private void watchBlocked(ChannelHandlerContext ctx, Session session) {
        if (blocked != null) {
            return;
        }
        OptionalLong oldest = acks.oldestSince();
        if (oldest.isEmpty() || session.state() != SessionState.CONNECTED) {
            return;
        }
        long timeout = services.settings().blockedTimeout().toNanos();
        long due = oldest.getAsLong() + timeout - ctx.executor().ticker().nanoTime();
        blocked = ctx.executor().schedule(() -> {
            blocked = null;
            OptionalLong head = acks.oldestSince();
            if (head.isPresent() && ctx.executor().ticker().nanoTime() - head.getAsLong() >= timeout) {
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.SERVER_BUSY,
                        "the event sink has not accepted events for "
                                + services.settings().blockedTimeout().toMillis() + " ms");
            } else {
                watchBlocked(ctx, session);
            }
        }, Math.max(due, 0), TimeUnit.NANOSECONDS);
    }

    private void refuse(ChannelHandlerContext ctx, Session session, int qos, int packetId, PublishOutcome outcome,
                        byte code, String reason) {
        services.metrics().publish(outcome, qos);
        if (qos == 0) {
            if (outcome == PublishOutcome.NOT_AUTHORIZED) {
                return;
            }
            if (session.isV5()) {
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.valueOf(code), reason);
            } else {
                Disconnector.close(session, reason);
            }
            return;
        }
        session.inFlight(1);
        if (!session.isV5()) {
            drain(ctx);
        }
        acks.refuse(ctx, session, qos, packetId, code, reason);
    }

    /** Stops taking publishes: the connection is about to close (MQTT 3.1.1 cannot refuse a publish otherwise). */
    private void drain(ChannelHandlerContext ctx) {
        draining = true;
        ctx.channel().config().setAutoRead(false);
    }

    private void readIfBelowLimit(ChannelHandlerContext ctx) {
        if (!draining && !ctx.channel().config().isAutoRead() && acks.size() < services.settings().receiveMaximum()
                && Session.of(ctx.channel()).state() == SessionState.CONNECTED
                && ctx.executor().ticker().nanoTime() >= throttledUntil) {
            ctx.channel().config().setAutoRead(true);
        }
    }
}
