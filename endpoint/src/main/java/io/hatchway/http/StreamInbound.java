package io.hatchway.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an event stream reads: nothing it acts on, since events only flow to the backend. A WebSocket ping is
 * answered and a close frame echoed before closing (RFC 6455 section 5.5.1); anything else (text and binary frames,
 * further HTTP requests on a Server-Sent Events connection) is dropped. Stateless.
 */
@ChannelHandler.Sharable
final class StreamInbound extends ChannelInboundHandlerAdapter {

    static final StreamInbound INSTANCE = new StreamInbound();

    private static final Logger LOG = LoggerFactory.getLogger(StreamInbound.class);

    private StreamInbound() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
        } else if (msg instanceof CloseWebSocketFrame close) {
            ctx.writeAndFlush(close).addListener(ChannelFutureListener.CLOSE);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("event stream {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}
