package io.hatchway.mqtt;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayDeque;
import java.util.Queue;

/**
 * The publishes of one connection that are waiting for the sink, in arrival order. Acknowledgements (PUBACK for
 * QoS 1, PUBREC for QoS 2) leave in the order the publishes arrived [MQTT-4.6.0-2], each only once the sink
 * decided on it; a refusal that is known at once still waits for the publishes before it. The number of waiting
 * publishes is what the back-pressure reads. Event-loop only.
 */
final class Acknowledgements {

    /** A successful acknowledgement. */
    static final byte SUCCESS = 0;

    private static final class Pending {
        final int qos;
        final int packetId;
        byte code = -1;
        String failure;
        boolean done;

        final long since;

        Pending(int qos, int packetId, long since) {
            this.qos = qos;
            this.packetId = packetId;
            this.since = since;
        }
    }

    /** Created at the first publish: idle connections stay small. */
    private Queue<Pending> queue;

    private Queue<Pending> queue() {
        if (queue == null) {
            queue = new ArrayDeque<>(8);
        }
        return queue;
    }

    /**
     * Adds a publish that waits for the sink, arrived at {@code now} (the event loop's ticker); returns the handle
     * to {@link #complete} it with.
     */
    Object add(int qos, int packetId, long now) {
        Pending pending = new Pending(qos, packetId, now);
        queue().add(pending);
        return pending;
    }

    int size() {
        return queue == null ? 0 : queue.size();
    }

    /** When the oldest waiting publish arrived (the event loop's ticker), or empty when none waits. */
    java.util.OptionalLong oldestSince() {
        Pending head = queue == null ? null : queue.peek();
        return head == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(head.since);
    }

    /**
     * Records the sink's answer for {@code handle} (an MQTT 5 reason code, {@link #SUCCESS} if accepted) and writes
     * every acknowledgement now due.
     */
    void complete(ChannelHandlerContext ctx, Session session, Object handle, byte code, String failure) {
        Pending pending = (Pending) handle;
        pending.code = code;
        pending.failure = failure;
        pending.done = true;
        flush(ctx, session);
    }

    /** Adds a publish refused at once (code {@code >= 0x80}) behind those still waiting. */
    void refuse(ChannelHandlerContext ctx, Session session, int qos, int packetId, byte code, String reason) {
        Pending pending = new Pending(qos, packetId, 0);
        pending.code = code;
        pending.failure = reason;
        pending.done = true;
        queue().add(pending);
        flush(ctx, session);
    }

    private void flush(ChannelHandlerContext ctx, Session session) {
        boolean wrote = false;
        while (queue != null && !queue.isEmpty() && queue.peek().done) {
            Pending p = queue.poll();
            if (session.state() != SessionState.CONNECTED || p.qos == 0) {
                continue;
            }
            boolean success = p.code == SUCCESS;
            if (!success && !session.isV5()) {
                // MQTT 3.1.1 has no negative acknowledgement: closing is the only way not to acknowledge.
                Disconnector.close(session, p.failure);
                return;
            }
            if (p.qos == 1) {
                session.inFlight(-1);
                ctx.write(MqttMessageBuilders.pubAck().packetId(p.packetId).reasonCode(p.code)
                        .properties(reasonString(session, p)).build());
            } else {
                if (success) {
                    session.qos2().put(p.packetId, Boolean.TRUE);
                } else {
                    session.qos2().remove(p.packetId);
                    session.inFlight(-1);
                }
                ctx.write(pubRec(p.packetId, p.code, reasonString(session, p)));
            }
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
    }

    private static MqttProperties reasonString(Session session, Pending p) {
        if (p.code == SUCCESS || !session.isV5() || p.failure == null || !session.problemInformation()) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties properties = new MqttProperties();
        properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                p.failure));
        return properties;
    }

    static MqttMessage pubRec(int packetId, byte code, MqttProperties properties) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, code, properties));
    }

    static MqttMessage pubComp(int packetId, byte code) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, code, MqttProperties.NO_PROPERTIES));
    }
}
