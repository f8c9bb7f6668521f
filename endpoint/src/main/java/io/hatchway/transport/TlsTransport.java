package io.hatchway.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * TLS in front of MQTT (or of WebSocket), with the context current when the connection is accepted: the server
 * certificate of {@link ServerTls}, or the TLS-PSK context of {@link PskServerTls}.
 */
public final class TlsTransport implements Transport {

    private final Supplier<SslContext> context;
    private final Duration handshakeTimeout;

    public TlsTransport(Supplier<SslContext> context, Duration handshakeTimeout) {
        this.context = context;
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public void addTo(Channel channel) {
        SslHandler handler = context.get().newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        channel.pipeline().addLast(HandlerNames.TLS, handler);
    }
}
