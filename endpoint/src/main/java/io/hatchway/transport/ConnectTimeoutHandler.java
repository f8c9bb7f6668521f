package io.hatchway.transport;

import io.hatchway.mqtt.Disconnector;
import io.hatchway.mqtt.Session;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has not sent CONNECT within the connect timeout. Removed from the pipeline, which
 * cancels the timer, as soon as the CONNECT arrives.
 */
final class ConnectTimeoutHandler extends ChannelInboundHandlerAdapter {

    private final Duration timeout;
    private ScheduledFuture<?> timer;

    ConnectTimeoutHandler(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> Disconnector.close(Session.of(ctx.channel()),
                "no CONNECT within " + timeout.toMillis() + " ms"), timeout.toMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
