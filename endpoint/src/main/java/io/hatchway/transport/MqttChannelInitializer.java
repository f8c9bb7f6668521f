package io.hatchway.transport;

import io.hatchway.mqtt.CodecVersionPin;
import io.hatchway.mqtt.ConnectHandler;
import io.hatchway.mqtt.ControlHandler;
import io.hatchway.mqtt.ExceptionHandler;
import io.hatchway.mqtt.LifecycleHandler;
import io.hatchway.mqtt.MqttServices;
import io.hatchway.mqtt.ProtocolGuard;
import io.hatchway.mqtt.PacketFramer;
import io.hatchway.mqtt.ProtocolLevelSniffer;
import io.hatchway.mqtt.PublishHandler;
import io.hatchway.mqtt.Session;
import io.hatchway.mqtt.SubscribeHandler;
import io.hatchway.mqtt.UnsubscribeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;

/** Assembles the MQTT pipeline of every accepted connection; the one place where its order is decided. */
public final class MqttChannelInitializer extends ChannelInitializer<Channel> {

    private final MqttServices services;
    private final LifecycleHandler lifecycle;
    private final ConnectHandler connect;
    private final SubscribeHandler subscribe;
    private final UnsubscribeHandler unsubscribe = new UnsubscribeHandler();
    private final ControlHandler control = new ControlHandler();
    private final ExceptionHandler exceptions = new ExceptionHandler();

    private final Transport transport;

    public MqttChannelInitializer(MqttServices services, Transport transport) {
        this.services = services;
        this.transport = transport;
        this.lifecycle = new LifecycleHandler(services);
        this.connect = new ConnectHandler(services);
        this.subscribe = new SubscribeHandler(services.registry(), services.settings().limits());
    }

    @Override
    protected void initChannel(Channel channel) {
        Session.attach(channel);
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(HandlerNames.LIFECYCLE, lifecycle);
        pipeline.addLast(HandlerNames.CONNECT_TIMEOUT, new ConnectTimeoutHandler(services.settings().connectTimeout()));
        transport.addTo(channel);
        addMqttCodec(pipeline, services.settings().maxPacketSize());
        pipeline.addLast(HandlerNames.CONNECT, connect);
        pipeline.addLast(HandlerNames.PUBLISH, new PublishHandler(services));
        pipeline.addLast(HandlerNames.SUBSCRIBE, subscribe);
        pipeline.addLast(HandlerNames.UNSUBSCRIBE, unsubscribe);
        pipeline.addLast(HandlerNames.CONTROL, control);
        pipeline.addLast(HandlerNames.EXCEPTION, exceptions);
    }

    /**
     * The MQTT framing, codec and protocol checks every MQTT listener (devices and backends) shares, after its
     * transport: level sniffer, framer, decoder, encoder, codec version pin, guard.
     */
    static void addMqttCodec(ChannelPipeline pipeline, int maxPacketSize) {
        pipeline.addLast(HandlerNames.LEVEL_SNIFFER, new ProtocolLevelSniffer());
        pipeline.addLast(HandlerNames.FRAMER, new PacketFramer(maxPacketSize));
        // backends: keep-alive handler added here after CONNECT
        pipeline.addLast(HandlerNames.DECODER, new MqttDecoder(maxPacketSize));
        pipeline.addLast(HandlerNames.ENCODER, MqttEncoder.INSTANCE);
        pipeline.addLast(HandlerNames.CODEC_VERSION, CodecVersionPin.INSTANCE);
        pipeline.addLast(HandlerNames.GUARD, new ProtocolGuard());
    }
}
