package io.hatchway.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Counts open connections, and on close ends the connection's {@link Session}
 * ({@link SessionLifecycle#end}): the device's entry in
 * {@link ConnectedDevices} is removed (unless a newer connection took over) and the open-connections gauge drops.
 */
@ChannelHandler.Sharable
public final class LifecycleHandler extends ChannelInboundHandlerAdapter {

    private final MqttServices services;

    public LifecycleHandler(MqttServices services) {
        this.services = services;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        services.metrics().connectionOpened();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Session session = Session.of(ctx.channel());
        if (session.state() != SessionState.CLOSING) {
            session.state(SessionState.CLOSING);
        }
        services.lifecycle().end(session);
        services.metrics().connectionClosed();
        ctx.fireChannelInactive();
    }
}
