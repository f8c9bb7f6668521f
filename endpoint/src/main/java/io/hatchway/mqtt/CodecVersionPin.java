package io.hatchway.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;

/**
 * Keeps Netty's MQTT encoder writing in the version of the connection's CONNECT. Netty's decoder and encoder share
 * the version in a channel attribute, which the decoder sets as soon as it has read the protocol level of any
 * CONNECT: also of a second CONNECT (a protocol error, answered by closing) and of one not complete yet, so packets
 * written before the close would leave in the other version (a refused PUBACK of an MQTT 5 client in 3.1.1 form,
 * without its reason code, reads as a success). Right before the encoder, every write sets it back.
 */
@ChannelHandler.Sharable
public final class CodecVersionPin extends ChannelOutboundHandlerAdapter {

    /** Netty's {@code MqttCodecUtil.MQTT_VERSION_KEY}: {@code valueOf} returns the same key for the same name. */
    private static final AttributeKey<MqttVersion> NETTY_MQTT_VERSION =
            AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    public static final CodecVersionPin INSTANCE = new CodecVersionPin();

    private CodecVersionPin() {
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.channel().attr(NETTY_MQTT_VERSION).set(Session.of(ctx.channel()).version());
        ctx.write(msg, promise);
    }
}
