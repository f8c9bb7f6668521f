package io.hatchway.transport;

import io.hatchway.registry.PskKeys;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import org.conscrypt.Conscrypt;
import org.conscrypt.PSKKeyManager;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * TLS-PSK (TLS 1.2 PSK cipher suites) through Conscrypt, since neither Netty's OpenSSL provider nor the JDK offer
 * PSK. The client's PSK identity ({@code device@app} or an alias form) selects the device's {@code psk} credential;
 * the identity that matched is kept on the channel ({@link #identityOf}) for the CONNECT to authenticate as.
 * An unknown identity gets a random key, so its handshake fails like a wrong key does.
 *
 * <p>Conscrypt calls the key callback with its own inner engine and does not keep values put on the handshake
 * session, so nothing links the callback to the connection except the thread: the callback runs inside the
 * SslHandler's unwrap, on the channel's event loop, while {@link #transport} marks which channel is being read.
 */
public final class PskServerTls {

    static final List<String> CIPHER_SUITES = List.of(
            "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
            "TLS_PSK_WITH_AES_128_CBC_SHA",
            "TLS_PSK_WITH_AES_256_CBC_SHA");

    private static final AttributeKey<String> IDENTITY = AttributeKey.valueOf(PskServerTls.class, "identity");
    private static final ThreadLocal<Channel> READING = new ThreadLocal<>();
    private static final Provider CONSCRYPT = Conscrypt.newProvider();

    private PskServerTls() {
    }

    /** The server context of the PSK listener. */
    public static SslContext context(PskKeys keys) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS", CONSCRYPT);
        context.init(new javax.net.ssl.KeyManager[] {new Keys(keys)}, null, null);
        return new JdkSslContext(context, false, CIPHER_SUITES, IdentityCipherSuiteFilter.INSTANCE,
                ApplicationProtocolConfig.DISABLED, ClientAuth.NONE, new String[] {"TLSv1.2"}, false);
    }

    /** The transport of the PSK listener: TLS with {@code context}, and the marking of the channel being read. */
    public static Transport transport(SslContext context, Duration handshakeTimeout) {
        Transport tls = new TlsTransport(() -> context, handshakeTimeout);
        return channel -> {
            channel.pipeline().addLast(HandlerNames.PSK_CHANNEL, new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    READING.set(ctx.channel());
                    try {
                        ctx.fireChannelRead(msg);
                    } finally {
                        READING.remove();
                    }
                }
            });
            tls.addTo(channel);
        };
    }

    /** The PSK identity the channel's handshake was completed with, if it was a PSK handshake. */
    public static Optional<String> identityOf(Channel channel) {
        return Optional.ofNullable(channel.attr(IDENTITY).get());
    }

    /**
     * Conscrypt's key callback. Traps: it must never return null (Conscrypt throws), and the engine it is given
     * is Conscrypt's own, not the one Netty's SslHandler exposes.
     */
    @SuppressWarnings("deprecation")
    private static final class Keys implements PSKKeyManager {

        private final PskKeys keys;
        private final SecureRandom random = new SecureRandom();

        Keys(PskKeys keys) {
            this.keys = keys;
        }

        @Override
        public SecretKey getKey(String identityHint, String identity, SSLEngine engine) {
            Optional<PskKeys.PskMatch> match = identity == null ? Optional.empty() : keys.find(identity);
            if (match.isPresent()) {
                Channel channel = READING.get();
                if (channel != null) {
                    channel.attr(IDENTITY).set(identity);
                }
                return new SecretKeySpec(match.get().key(), "RAW");
            }
            byte[] unusable = new byte[32];
            random.nextBytes(unusable);
            return new SecretKeySpec(unusable, "RAW");
        }

        @Override
        public SecretKey getKey(String identityHint, String identity, Socket socket) {
            throw new UnsupportedOperationException("sockets are not used");
        }

        @Override
        public String chooseServerKeyIdentityHint(SSLEngine engine) {
            return null;
        }

        @Override
        public String chooseServerKeyIdentityHint(Socket socket) {
            return null;
        }

        @Override
        public String chooseClientKeyIdentity(String identityHint, SSLEngine engine) {
            return null;
        }

        @Override
        public String chooseClientKeyIdentity(String identityHint, Socket socket) {
            return null;
        }
    }
}
