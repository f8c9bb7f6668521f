package io.hatchway.mqtt;

import io.hatchway.commands.CommandFilter;
import io.hatchway.commands.CommandSubscriptions;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;

import java.util.Optional;

/**
 * Handles SUBSCRIBE: only command filters are served (see {@link CommandFilter}); commands are sent with QoS 0,
 * so that is the QoS granted. A filter for a device the connection may not act for is refused with 0x87 (MQTT
 * 3.1.1: 0x80), any other filter with 0x8F Topic filter invalid (MQTT 3.1.1: 0x80).
 */
@ChannelHandler.Sharable
public final class SubscribeHandler extends SimpleChannelInboundHandler<MqttSubscribeMessage> {

    private static final int FAILURE = 0x80;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttSubscribeMessage subscribe) {
        Session session = Session.of(ctx.channel());
        if (session.state() != SessionState.CONNECTED) {
            return;
        }
        CommandSubscriptions subscriptions = session.subscriptions();
        int[] codes = new int[subscribe.payload().topicSubscriptions().size()];
        int i = 0;
        for (MqttTopicSubscription request : subscribe.payload().topicSubscriptions()) {
            String filter = request.topicFilter();
            Optional<CommandFilter> parsed = CommandFilter.parse(filter);
            int code;
            if (parsed.isEmpty()) {
                code = MqttReasonCodes.SubAck.TOPIC_FILTER_INVALID.byteValue() & 0xFF;
            } else if (parsed.get() instanceof CommandFilter.ForDevice forDevice) {
                Optional<String> device = session.gateways().authorize(forDevice.device());
                if (device.isPresent()) {
                    subscriptions = subscriptions.with(filter, new CommandSubscriptions.Entry(forDevice, device.get()));
                    code = MqttQoS.AT_MOST_ONCE.value();
                } else {
                    code = MqttReasonCodes.SubAck.NOT_AUTHORIZED.byteValue() & 0xFF;
                }
            } else {
                subscriptions = subscriptions.with(filter, new CommandSubscriptions.Entry(parsed.get(), null));
                code = MqttQoS.AT_MOST_ONCE.value();
            }
            codes[i++] = session.isV5() || code < FAILURE ? code : FAILURE;
        }
        session.subscriptions(subscriptions);
        ctx.writeAndFlush(new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(subscribe.variableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes)));
    }
}
