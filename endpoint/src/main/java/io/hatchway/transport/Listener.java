package io.hatchway.transport;

import io.hatchway.config.BindAddress;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.NetUtil;

import java.net.InetSocketAddress;

/** A bound server socket. Closing it stops accepting; open connections are closed with the event loops. */
public final class Listener implements AutoCloseable {

    private final String name;
    private final Channel channel;

    private Listener(String name, Channel channel) {
        this.name = name;
        this.channel = channel;
    }

    /** Binds {@code address}, blocking until bound; fails with the cause (e.g. address in use). */
    public static Listener bind(String name, BindAddress address, EventLoopGroup boss, EventLoopGroup workers,
                                ChannelHandler initializer) throws InterruptedException {
        Channel channel = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                // As deep as the kernel allows (net.core.somaxconn): in a reconnect storm, SYNs beyond the accept
                // queue are dropped, and clients retry them only after 1 s, 3 s, 7 s...
                .option(ChannelOption.SO_BACKLOG, NetUtil.SOMAXCONN)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer)
                .bind(address.toSocketAddress()).sync().channel();
        return new Listener(name, channel);
    }

    public String name() {
        return name;
    }

    /** The bound port (useful when the configured port was 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    public boolean isBound() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
