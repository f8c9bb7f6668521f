package io.hatchway.mqtt;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.util.ReferenceCountUtil;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Queue;
import java.util.Set;

/**
 * First stop of every decoded packet: turns decoder failures into the right answer, enforces the packet order of
 * the connection's phase (CONNECT first and only once [MQTT-3.1.0-1], [MQTT-3.1.0-2]). Ill-formed UTF-8 and U+0000
 * [MQTT-1.5.3-1], [MQTT-1.5.3-2] are decoder failures: Netty's decoder validates strings strictly; CONNECT flags it
 * lets through (will QoS 3, a password without user name before MQTT 5) are checked here. Packets that
 * arrive while the CONNECT is being authenticated are held and passed on, in order, once the session is
 * established.
 */
public final class ProtocolGuard extends ChannelInboundHandlerAdapter {

    /** Fired through the pipeline when the CONNECT has been accepted. */
    public static final Object ESTABLISHED = new Object() {
        @Override
        public String toString() {
            return "ESTABLISHED";
        }
    };

    /** Packets held before CONNACK; their bytes are bounded anyway, since the socket is not read meanwhile. */
    private static final int MAX_HELD = 1024;

    private static final Set<MqttMessageType> SERVER_ONLY = EnumSet.of(MqttMessageType.CONNACK,
            MqttMessageType.SUBACK, MqttMessageType.UNSUBACK, MqttMessageType.PINGRESP, MqttMessageType.AUTH);

    /**
     * Whether this socket read already noted its time in the session: one clock read per read, however many
     * packets it brought.
     */
    private boolean stamped;

    /** Created only when a client sends packets before its CONNACK (most do not): idle connections stay small. */
    private Queue<Object> held;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Session session = Session.of(ctx.channel());
        if (!(msg instanceof MqttMessage message) || session.state() == SessionState.CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!stamped) {
            session.received(Instant.now());
            stamped = true;
        }
        if (message.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            decodeFailure(ctx, session, message.decoderResult().cause());
            return;
        }
        MqttMessageType type = message.fixedHeader().messageType();
        String problem = validate(session, message, type);
        if (problem != null) {
            ReferenceCountUtil.release(msg);
            if (session.state() == SessionState.CONNECTED) {
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.PROTOCOL_ERROR, problem);
            } else {
                Disconnector.close(session, problem);
            }
            return;
        }
        if (session.state() == SessionState.AUTHENTICATING) {
            if (held == null) {
                held = new ArrayDeque<>(4);
            }
            if (held.size() >= MAX_HELD) {
                ReferenceCountUtil.release(msg);
                Disconnector.close(session, "too many packets before CONNACK");
                return;
            }
            held.add(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static String validate(Session session, MqttMessage message, MqttMessageType type) {
        if (session.state() == SessionState.AWAITING_CONNECT && type != MqttMessageType.CONNECT) {
            return "first packet must be CONNECT, got " + type;
        }
        if (session.state() != SessionState.AWAITING_CONNECT && type == MqttMessageType.CONNECT) {
            return "second CONNECT";
        }
        if (type == MqttMessageType.CONNECT) {
            return PacketChecks.connectFlagsProblem((MqttConnectVariableHeader) message.variableHeader());
        }
        if (type == MqttMessageType.PUBLISH) {
            return PacketChecks.publishProblem((MqttPublishMessage) message);
        }
        return SERVER_ONLY.contains(type) ? "a client may not send " + type : null;
    }

    private static void decodeFailure(ChannelHandlerContext ctx, Session session, Throwable cause) {
        if (session.state() == SessionState.AWAITING_CONNECT) {
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                refuseProtocol(ctx, session, cause.getMessage());
            } else if (cause instanceof MqttIdentifierRejectedException) {
                session.state(SessionState.AUTHENTICATING);
                Disconnector.refuse(session, session.version(),
                        MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                        MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID, "invalid client id");
            } else {
                Disconnector.close(session, "malformed CONNECT: " + cause.getMessage());
            }
        } else if (cause instanceof TooLongFrameException) {
            Disconnector.disconnect(session, MqttReasonCodes.Disconnect.PACKET_TOO_LARGE, cause.getMessage());
        } else {
            Disconnector.disconnect(session, MqttReasonCodes.Disconnect.MALFORMED_PACKET,
                    "malformed packet: " + cause.getMessage());
        }
    }

    /**
     * A name other than MQTT or MQIsdp is not MQTT: close without an answer [MQTT-3.1.2-1]. A level we do not speak
     * gets "unacceptable protocol version" [MQTT-3.1.2-2]: in MQTT 5 form (0x84) for levels above 5, which only
     * newer clients send, and in MQTT 3.1.1 form (0x01) otherwise.
     */
    private static void refuseProtocol(ChannelHandlerContext ctx, Session session, String message) {
        String text = message == null ? "" : message;
        if (!(text.startsWith("MQTT ") || text.startsWith("MQIsdp "))) {
            Disconnector.close(session, "not MQTT: " + message);
            return;
        }
        session.state(SessionState.CLOSING);
        byte[] connack = session.requestedLevel() > 5
                ? new byte[] {0x20, 0x03, 0x00, (byte) 0x84, 0x00}
                : new byte[] {0x20, 0x02, 0x00, 0x01};
        ctx.writeAndFlush(Unpooled.wrappedBuffer(connack)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        stamped = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ESTABLISHED) {
            ctx.fireUserEventTriggered(evt);
            Queue<Object> waiting = held;
            held = null;
            Object msg;
            while (waiting != null && (msg = waiting.poll()) != null) {
                channelRead(ctx, msg);
            }
            // The replay is not a socket read and no channelReadComplete follows it: the next read stamps again.
            stamped = false;
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    private void releaseHeld() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held = null;
        }
    }
}
