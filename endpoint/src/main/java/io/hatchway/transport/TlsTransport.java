package io.hatchway.transport;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import java.time.Duration;

/** TLS in front of MQTT (or of WebSocket), with the listener's current server certificate. */
public final class TlsTransport implements Transport {

    private final ServerTls tls;
    private final Duration handshakeTimeout;

    public TlsTransport(ServerTls tls, Duration handshakeTimeout) {
        this.tls = tls;
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public void addTo(Channel channel) {
        SslHandler handler = tls.context().newHandler(channel.alloc());
        handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        channel.pipeline().addLast(HandlerNames.TLS, handler);
    }
}
