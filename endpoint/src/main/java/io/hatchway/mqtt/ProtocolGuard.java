package io.hatchway.mqtt;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.Queue;

/**
 * First stop of every decoded packet: turns decoder failures into the right answer, enforces the packet order of
 * the connection's phase (CONNECT first and only once [MQTT-3.1.0-1], [MQTT-3.1.0-2]) and strict UTF-8 in the
 * strings the endpoint interprets [MQTT-1.5.3-1], [MQTT-1.5.3-2]. Packets that arrive while the CONNECT is being
 * authenticated are held and passed on, in order, once the session is established.
 */
public final class ProtocolGuard extends ChannelInboundHandlerAdapter {

    /** Fired through the pipeline when the CONNECT has been accepted. */
    public static final Object ESTABLISHED = new Object() {
        @Override
        public String toString() {
            return "ESTABLISHED";
        }
    };

    private static final int MAX_HELD = 64;

    private final Queue<Object> held = new ArrayDeque<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Session session = Session.of(ctx.channel());
        if (!(msg instanceof MqttMessage message) || session.state() == SessionState.CLOSING) {
            ReferenceCountUtil.release(msg);
            return;
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
                Disconnector.disconnect(session, problem.startsWith("malformed")
                        ? MqttReasonCodes.Disconnect.MALFORMED_PACKET : MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                        problem);
            } else {
                Disconnector.close(session, problem);
            }
            return;
        }
        if (session.state() == SessionState.AUTHENTICATING) {
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
        switch (type) {
            case CONNECT -> {
                MqttConnectMessage connect = (MqttConnectMessage) message;
                if (!Utf8.valid(connect.payload().clientIdentifier()) || !Utf8.valid(connect.payload().userName())
                        || !Utf8.valid(connect.payload().willTopic())) {
                    return "malformed UTF-8 in CONNECT";
                }
            }
            case PUBLISH -> {
                if (!Utf8.valid(((MqttPublishMessage) message).variableHeader().topicName())) {
                    return "malformed UTF-8 in topic name";
                }
            }
            case SUBSCRIBE -> {
                for (MqttTopicSubscription s : ((MqttSubscribeMessage) message).payload().topicSubscriptions()) {
                    if (!Utf8.valid(s.topicFilter())) {
                        return "malformed UTF-8 in topic filter";
                    }
                }
            }
            case UNSUBSCRIBE -> {
                for (String filter : ((MqttUnsubscribeMessage) message).payload().topics()) {
                    if (!Utf8.valid(filter)) {
                        return "malformed UTF-8 in topic filter";
                    }
                }
            }
            case CONNACK, SUBACK, UNSUBACK, PINGRESP, AUTH -> {
                return "a client may not send " + type;
            }
            default -> {
            }
        }
        return null;
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
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ESTABLISHED) {
            ctx.fireUserEventTriggered(evt);
            Object msg;
            while ((msg = held.poll()) != null) {
                channelRead(ctx, msg);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
        ctx.fireChannelInactive();
    }

    /** Whether the MQTT version was 5 is decided by the CONNECT; packets after it use that version. */
    static MqttVersion versionOf(MqttConnectMessage connect) {
        return MqttVersion.fromProtocolNameAndLevel(connect.variableHeader().name(),
                (byte) connect.variableHeader().version());
    }
}
