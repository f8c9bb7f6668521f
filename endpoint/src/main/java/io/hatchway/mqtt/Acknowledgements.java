package io.hatchway.mqtt;

import io.netty.buffer.ByteBuf;
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
    /** PUBACK's first byte: packet type 4, no flags. */
    private static final int PUBACK_FIXED_HEADER = 0x40;

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
    private Runnable flushTask;
    private boolean flushQueued;

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
                if (success) {
                    ctx.write(pubAckSuccess(ctx, p.packetId), ctx.voidPromise());
                } else {
                    ctx.write(MqttMessageBuilders.pubAck().packetId(p.packetId).reasonCode(p.code)
                            .properties(reasonString(session, p)).build(), ctx.voidPromise());
                }
            } else {
                if (success) {
                    session.qos2().put(p.packetId, Boolean.TRUE);
                } else {
                    session.qos2().remove(p.packetId);
                    session.inFlight(-1);
                }
                ctx.write(pubRec(p.packetId, p.code, reasonString(session, p)), ctx.voidPromise());
            }
            wrote = true;
        }
        if (wrote) {
            flushSoon(ctx);
        }
    }

    /**
     * Flushes once the event loop ran the tasks already queued: the sink completes a batch of events at once, and
     * their completions, queued one after another, then share one flush (one write to the socket) per connection
     * instead of one each. What Netty's {@code FlushConsolidationHandler} does outside reads, without its handler
     * and context on every idle connection.
     */
    private void flushSoon(ChannelHandlerContext ctx) {
        if (flushQueued) {
            return;
        }
        if (flushTask == null) {
            flushTask = () -> {
                flushQueued = false;
                ctx.flush();
            };
        }
        flushQueued = true;
        ctx.executor().execute(flushTask);
    }

    /**
     * The successful PUBACK, already encoded: the packet sent most, once per QoS 1 publish, and the same four bytes
     * in MQTT 3.1.1 and 5 (a v5 PUBACK omits reason code and properties when the code is Success and there are no
     * properties, MQTT 5 section 3.4.2.1), so it skips building a message for the encoder to take apart again. The
     * buffer passes the MQTT encoder unchanged, as every encoded packet does.
     */
    private static ByteBuf pubAckSuccess(ChannelHandlerContext ctx, int packetId) {
        return ctx.alloc().buffer(4).writeByte(PUBACK_FIXED_HEADER).writeByte(2).writeShort(packetId);
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
