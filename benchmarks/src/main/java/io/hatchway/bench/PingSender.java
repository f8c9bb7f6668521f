package io.hatchway.bench;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Sends PINGREQ when the connection has written nothing for a while (the {@code IdleStateHandler} before it fires
 * at half the keep-alive), so idle connections stay within their keep-alive [MQTT-3.1.2-23]. Stateless.
 */
@ChannelHandler.Sharable
final class PingSender extends ChannelInboundHandlerAdapter {

    static final PingSender INSTANCE = new PingSender();

    private static final MqttMessage PINGREQ = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));

    private PingSender() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            ctx.writeAndFlush(PINGREQ, ctx.voidPromise());
        }
        ctx.fireUserEventTriggered(event);
    }
}
