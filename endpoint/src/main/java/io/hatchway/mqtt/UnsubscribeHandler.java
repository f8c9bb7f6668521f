package io.hatchway.mqtt;

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
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

/** Handles UNSUBSCRIBE: removes command subscriptions (MQTT 5: 0x11 when the filter was not subscribed). */
@ChannelHandler.Sharable
public final class UnsubscribeHandler extends SimpleChannelInboundHandler<MqttUnsubscribeMessage> {

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttUnsubscribeMessage unsubscribe) {
        Session session = Session.of(ctx.channel());
        if (session.state() != SessionState.CONNECTED) {
            return;
        }
        CommandSubscriptions subscriptions = session.subscriptions();
        short[] codes = new short[unsubscribe.payload().topics().size()];
        int i = 0;
        for (String filter : unsubscribe.payload().topics()) {
            codes[i++] = subscriptions.contains(filter) ? MqttReasonCodes.UnsubAck.SUCCESS.byteValue()
                    : MqttReasonCodes.UnsubAck.NO_SUBSCRIPTION_EXISTED.byteValue();
            subscriptions = subscriptions.without(filter);
        }
        session.subscriptions(subscriptions);
        ctx.writeAndFlush(new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(unsubscribe.variableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttUnsubAckPayload(codes)));
    }
}
