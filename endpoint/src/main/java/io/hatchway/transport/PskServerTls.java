package io.hatchway.transport;

import io.hatchway.registry.PskKeys;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.conscrypt.Conscrypt;
import org.conscrypt.PSKKeyManager;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * TLS-PSK (TLS 1.2 PSK cipher suites) through Conscrypt, since neither Netty's OpenSSL provider nor the JDK offer
 * PSK. The client's PSK identity ({@code device@app} or an alias form) selects the device's {@code psk} credential;
 * the identity that matched is handed to the connection through {@link PskIdentity}. An unknown identity gets a
 * random key, so its handshake fails like a wrong key does. Conscrypt is loaded only when this listener is built.
 */
public final class PskServerTls {

    static final List<String> CIPHER_SUITES = List.of(
            "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
            "TLS_PSK_WITH_AES_128_CBC_SHA",
            "TLS_PSK_WITH_AES_256_CBC_SHA");

    private PskServerTls() {
    }

    /** The transport of the PSK listener: TLS-PSK, with the identity carried to the CONNECT. */
    public static Transport transport(PskKeys keys, Duration handshakeTimeout) throws SSLException {
        SslContext context = context(keys);
        Transport tls = new TlsTransport(() -> context, handshakeTimeout);
        return channel -> {
            channel.pipeline().addLast(HandlerNames.PSK_CHANNEL, PskIdentity.marker());
            tls.addTo(channel);
            // Resumption by session id only: the identity of a resumed session is found by its id.
            Conscrypt.setUseSessionTickets(channel.pipeline().get(SslHandler.class).engine(), false);
        };
    }

    private static SslContext context(PskKeys keys) throws SSLException {
        try {
            SSLContext context = SSLContext.getInstance("TLS", Conscrypt.newProvider());
            context.init(new javax.net.ssl.KeyManager[] {new Keys(keys)}, null, null);
            return new JdkSslContext(context, false, CIPHER_SUITES, IdentityCipherSuiteFilter.INSTANCE,
                    ApplicationProtocolConfig.DISABLED, ClientAuth.NONE, new String[] {"TLSv1.2"}, false);
        } catch (GeneralSecurityException | LinkageError e) {
            throw new SSLException("mqttsPsk: TLS-PSK needs Conscrypt, which is unavailable here: " + e, e);
        }
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
                PskIdentity.found(identity);
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
