package io.hatchway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;

import java.util.concurrent.CompletableFuture;

/** A device's connection on the minimal Netty client: connects the socket, then leaves MQTT to its handler. */
final class NettyConnection implements LoadConnection {

    private final Bootstrap bootstrap;
    private final String host;
    private final int port;
    private final NettyMqttHandler handler;
    private volatile Channel channel;

    NettyConnection(Bootstrap bootstrap, String host, int port, NettyMqttHandler handler) {
        this.bootstrap = bootstrap;
        this.host = host;
        this.port = port;
        this.handler = handler;
    }

    @Override
    public CompletableFuture<Void> connect() {
        ChannelFuture connecting = bootstrap.connect(host, port);
        channel = connecting.channel();
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                handler.connected().completeExceptionally(
                        new LoadFailure("io:" + f.cause().getClass().getSimpleName(), f.cause()));
            }
        });
        return handler.connected();
    }

    @Override
    public CompletableFuture<Void> publish(byte[] payload) {
        return handler.publish(payload);
    }

    @Override
    public CompletableFuture<LoadFailure> lost() {
        return handler.lost();
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        Channel c = channel;
        if (c == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> closed = new CompletableFuture<>();
        c.closeFuture().addListener(f -> closed.complete(null));
        handler.disconnect();
        return closed;
    }
}
