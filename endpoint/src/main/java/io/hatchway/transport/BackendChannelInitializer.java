package io.hatchway.transport;

import io.hatchway.integration.BackendCommands;
import io.hatchway.integration.BackendConnectHandler;
import io.hatchway.integration.BackendServices;
import io.hatchway.integration.BackendSubscriptions;
import io.hatchway.mqtt.ControlHandler;
import io.hatchway.mqtt.ExceptionHandler;
import io.hatchway.mqtt.Session;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Assembles the pipeline of the MQTT integration listener, where backends follow their application's events and
 * send commands. The framing, the protocol checks and the disconnect path are those of the device listeners; the
 * session handlers are the backends' own.
 */
public final class BackendChannelInitializer extends ChannelInitializer<Channel> {

    private final BackendServices services;
    private final Transport transport;
    private final BackendConnectHandler connect;
    private final BackendSubscriptions subscriptions;
    private final BackendCommands commands;
    private final ControlHandler control = new ControlHandler();
    private final ExceptionHandler exceptions = new ExceptionHandler();

    public BackendChannelInitializer(BackendServices services, Transport transport) {
        this.services = services;
        this.transport = transport;
        this.connect = new BackendConnectHandler(services);
        this.subscriptions = new BackendSubscriptions(services);
        this.commands = new BackendCommands(services);
    }

    @Override
    protected void initChannel(Channel channel) {
        Session.attach(channel);
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(HandlerNames.CONNECT_TIMEOUT, new ConnectTimeoutHandler(services.settings().connectTimeout()));
        transport.addTo(channel);
        MqttChannelInitializer.addMqttCodec(pipeline, services.settings().maxPacketSize());
        pipeline.addLast(HandlerNames.CONNECT, connect);
        pipeline.addLast(HandlerNames.BACKEND_SUBSCRIPTIONS, subscriptions);
        pipeline.addLast(HandlerNames.BACKEND_COMMANDS, commands);
        pipeline.addLast(HandlerNames.CONTROL, control);
        pipeline.addLast(HandlerNames.EXCEPTION, exceptions);
    }
}
