package io.hatchway.transport;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Carries the PSK identity of a TLS-PSK handshake to the CONNECT of the same connection.
 *
 * <p>Conscrypt calls the key callback with its own inner engine and does not keep values put on the handshake
 * session, so nothing links the callback to the connection but the thread: the callback runs inside the
 * SslHandler's unwrap, on the channel's event loop, while {@link Marker} notes which channel is being read. A
 * resumed session runs no key callback: the identity is then taken from the session it resumes (remembered by
 * session id when its full handshake completed). This class needs no Conscrypt, so other listeners can ask
 * {@link #of} without loading it.
 */
public final class PskIdentity {

    private static final AttributeKey<String> IDENTITY = AttributeKey.valueOf(PskIdentity.class, "identity");
    private static final AttributeKey<Boolean> PSK_LISTENER = AttributeKey.valueOf(PskIdentity.class, "listener");
    private static final ThreadLocal<Channel> READING = new ThreadLocal<>();
    private static final Cache<String, String> BY_SESSION = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofHours(24)).build();

    private PskIdentity() {
    }

    /** The PSK identity the channel's handshake was completed with, if it was a PSK handshake. */
    public static Optional<String> of(Channel channel) {
        return Optional.ofNullable(channel.attr(IDENTITY).get());
    }

    /** Whether the channel came in on the TLS-PSK listener (where only PSK identities authenticate). */
    public static boolean isPskListener(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(PSK_LISTENER).get());
    }

    /** Called from the key callback, on the event loop of the channel being read, when the identity is known. */
    static void found(String identity) {
        Channel channel = READING.get();
        if (channel != null) {
            channel.attr(IDENTITY).set(identity);
        }
    }

    /** The handler placed before the TLS handler of the PSK listener. */
    static ChannelInboundHandlerAdapter marker() {
        return new Marker();
    }

    private static final class Marker extends ChannelInboundHandlerAdapter {

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().attr(PSK_LISTENER).set(Boolean.TRUE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            READING.set(ctx.channel());
            try {
                ctx.fireChannelRead(msg);
            } finally {
                READING.remove();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
                SslHandler tls = ctx.pipeline().get(SslHandler.class);
                byte[] id = tls == null ? null : tls.engine().getSession().getId();
                if (id != null && id.length > 0) {
                    String session = HexFormat.of().formatHex(id);
                    String identity = ctx.channel().attr(IDENTITY).get();
                    if (identity != null) {
                        BY_SESSION.put(session, identity);
                    } else {
                        ctx.channel().attr(IDENTITY).set(BY_SESSION.getIfPresent(session));
                    }
                }
            }
            ctx.fireUserEventTriggered(evt);
        }
    }
}
