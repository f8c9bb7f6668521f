package io.hatchway.transport;

import io.hatchway.mqtt.Disconnector;
import io.hatchway.mqtt.Session;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has not been accepted within the connect timeout: it bounds both the wait for CONNECT
 * and its authentication. Removed from the pipeline, which cancels the timer, when the CONNECT is accepted.
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
