package io.hatchway.auth;

import io.hatchway.registry.AuthOutcome;
import io.hatchway.registry.CertificateAuthenticator;
import io.hatchway.registry.PasswordAuthenticator;
import io.hatchway.registry.PskKeys;
import io.hatchway.transport.PskIdentity;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Decides how a CONNECT is authenticated, strongest evidence first: a completed TLS-PSK handshake (the PSK
 * identity names the device; on the PSK listener nothing else is accepted), a client certificate (validated
 * against the applications' trust anchors; it names the device), otherwise username and password. With PSK or a certificate, a username in the CONNECT must name
 * the same device. Thread-safe; the futures complete off the event loop.
 */
public final class ConnectAuthenticator {

    private final PasswordAuthenticator passwords;
    private final CertificateAuthenticator certificates;
    private final PskKeys psk;
    private final Optional<String> defaultApplication;

    /**
     * @param defaultApplication the application of devices whose username and client id name none: a username
     *                           {@code device} (no {@code @}) with a client id without {@code @} then authenticates
     *                           like {@code device@defaultApplication}
     */
    public ConnectAuthenticator(PasswordAuthenticator passwords, CertificateAuthenticator certificates, PskKeys psk,
                                Optional<String> defaultApplication) {
        this.passwords = passwords;
        this.certificates = certificates;
        this.psk = psk;
        this.defaultApplication = defaultApplication;
    }

    public CompletableFuture<AuthOutcome> authenticate(Channel channel, String username, byte[] password,
                                                       String clientId) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls != null) {
            Optional<String> identity = PskIdentity.of(channel);
            if (identity.isPresent()) {
                return CompletableFuture.completedFuture(psk.authenticate(identity.get(), username));
            }
            if (PskIdentity.isPskListener(channel)) {
                return CompletableFuture.completedFuture(new AuthOutcome.Refused(AuthOutcome.Reason.BAD_CREDENTIALS,
                        "the TLS-PSK handshake named no known identity"));
            }
            List<X509Certificate> chain = peerCertificates(tls.engine().getSession());
            if (!chain.isEmpty()) {
                return certificates.authenticate(chain, username, clientId);
            }
        }
        if (defaultApplication.isEmpty() || username == null || username.isEmpty() || username.indexOf('@') >= 0
                || (clientId != null && clientId.indexOf('@') >= 0)) {
            return passwords.authenticate(username, password, clientId);
        }
        // The fleet names no application: the same rules within the default one, the username naming the device
        // first, then the client id naming it (with the username as a user credential).
        String app = "@" + defaultApplication.get();
        return passwords.authenticate(escape(username) + app, password, clientId).thenCompose(outcome ->
                outcome instanceof AuthOutcome.Refused refused && refused.reason() == AuthOutcome.Reason.BAD_CREDENTIALS
                        && clientId != null && !clientId.isEmpty()
                        ? passwords.authenticate(username, password, escape(clientId) + app)
                        : CompletableFuture.completedFuture(outcome));
    }

    /**
     * Whether the TLS handshake of {@code channel} proved a key: a client certificate's (its trust is checked by
     * {@link #authenticate}) or a PSK. Such a CONNECT is authenticated by that key, not by a password: it guesses no
     * secret (see {@link AuthFailures}).
     */
    public static boolean provenByTls(Channel channel) {
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        return tls != null && (PskIdentity.of(channel).isPresent()
                || !peerCertificates(tls.engine().getSession()).isEmpty());
    }

    /** The device part of {@code device@app} is percent-decoded: keep a literal '%' literal. */
    private static String escape(String device) {
        return device.replace("%", "%25");
    }

    private static List<X509Certificate> peerCertificates(SSLSession session) {
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : session.getPeerCertificates()) {
                if (certificate instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
            return chain;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }
}
