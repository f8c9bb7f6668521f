package io.hatchway.integration;

import io.hatchway.commands.Delivery;
import io.hatchway.mqtt.Disconnector;
import io.hatchway.mqtt.Session;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

/**
 * A backend's PUBLISH on {@code command/<application>/<device>/<command>}: delivered like a command of the HTTP
 * command API (to the device's connection, or through Kafka to every instance). MQTT 5 PUBACK: {@code 0x00} handed
 * to the device (or to Kafka); {@code 0x10} No matching subscribers when the device is unknown or no connection
 * is subscribed for it; {@code 0x87} Not authorized for another application's topic; {@code 0x90} Topic name
 * invalid for any other topic. MQTT 3.1.1 cannot refuse: a QoS 1 command is acknowledged once handled, and a
 * publish to a topic it may not use closes the connection. QoS 2 is not offered (CONNACK Maximum QoS 1).
 */
@ChannelHandler.Sharable
public final class BackendCommands extends SimpleChannelInboundHandler<MqttPublishMessage> {

    private final BackendServices services;

    public BackendCommands(BackendServices services) {
        this.services = services;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        Backend backend = Backend.of(ctx.channel());
        Session session = Session.of(ctx.channel());
        int qos = publish.fixedHeader().qosLevel().value();
        int packetId = publish.variableHeader().packetId();
        if (qos == 2) {
            Disconnector.disconnect(session, MqttReasonCodes.Disconnect.QOS_NOT_SUPPORTED,
                    "the integration listener takes QoS 0 and 1 (CONNACK Maximum QoS 1)");
            return;
        }
        String[] levels = publish.variableHeader().topicName().split("/", 4);
        if (levels.length != 4 || !levels[0].equals("command") || levels[1].isEmpty() || levels[2].isEmpty()
                || levels[3].isEmpty()) {
            answer(ctx, session, qos, packetId, MqttReasonCodes.PubAck.TOPIC_NAME_INVALID,
                    "commands are published on command/<application>/<device>/<command>");
            return;
        }
        if (!levels[1].equals(backend.application().name())) {
            answer(ctx, session, qos, packetId, MqttReasonCodes.PubAck.NOT_AUTHORIZED,
                    "this API key is for application '" + backend.application().name() + "'");
            return;
        }
        String contentType = null;
        MqttProperties.MqttProperty<?> type = publish.variableHeader().properties()
                .getProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value());
        if (type != null) {
            contentType = (String) type.value();
        }
        services.commands().send(levels[1], levels[2], levels[3], ByteBufUtil.getBytes(publish.payload()),
                contentType).whenComplete((delivery, error) -> ctx.executor().execute(() -> {
                    if (error != null) {
                        answer(ctx, session, qos, packetId, MqttReasonCodes.PubAck.UNSPECIFIED_ERROR,
                                "the command could not be sent: " + error.getMessage());
                    } else if (delivery.outcome() == Delivery.Outcome.DELIVERED
                            || delivery.outcome() == Delivery.Outcome.PUBLISHED) {
                        answer(ctx, session, qos, packetId, MqttReasonCodes.PubAck.SUCCESS, null);
                    } else {
                        answer(ctx, session, qos, packetId, MqttReasonCodes.PubAck.NO_MATCHING_SUBSCRIBERS,
                                "device '" + levels[2] + "': " + describe(delivery.outcome()));
                    }
                }));
    }

    private static String describe(Delivery.Outcome outcome) {
        return switch (outcome) {
            case UNKNOWN_DEVICE -> "no such device";
            case UNKNOWN_APPLICATION -> "no such application";
            default -> "no connection is subscribed to its commands";
        };
    }

    private static void answer(ChannelHandlerContext ctx, Session session, int qos, int packetId,
                               MqttReasonCodes.PubAck code, String reason) {
        boolean refusal = code != MqttReasonCodes.PubAck.SUCCESS && code != MqttReasonCodes.PubAck.NO_MATCHING_SUBSCRIBERS;
        if (!session.isV5() && refusal && code != MqttReasonCodes.PubAck.UNSPECIFIED_ERROR) {
            Disconnector.close(session, reason);
            return;
        }
        if (qos == 0) {
            return;
        }
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (session.isV5() && reason != null) {
            properties = new MqttProperties();
            properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                    reason));
        }
        ctx.writeAndFlush(new MqttPubAckMessage(
                new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, session.isV5() ? code.byteValue() : 0, properties)));
    }
}
