package io.hatchway.transport;

import io.hatchway.config.HatchwayConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The server side of TLS: certificate and key from PEM files, TLS 1.3 and 1.2, through OpenSSL (BoringSSL from
 * netty-tcnative) where its native library loads and the JDK otherwise. The files are checked every two seconds and
 * a changed pair is loaded for new connections; open connections keep their session. A pair that fails to load
 * is logged and the previous one stays in force. {@link #context()} is thread-safe.
 */
public final class ServerTls implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final long CHECK_SECONDS = 2;

    private final HatchwayConfig.Tls config;
    private final SslProvider provider;
    private volatile SslContext context;
    private FileTime certModified;
    private FileTime keyModified;
    private ScheduledFuture<?> checks;

    private ServerTls(HatchwayConfig.Tls config, SslProvider provider) {
        this.config = config;
        this.provider = provider;
    }

    /** Loads the certificate and key (failing if they don't load) and starts watching them on {@code executor}. */
    public static ServerTls start(HatchwayConfig.Tls config, EventExecutor executor) throws SSLException {
        SslProvider provider;
        if (OpenSsl.isAvailable()) {
            provider = SslProvider.OPENSSL;
            LOG.info("TLS through OpenSSL ({})", OpenSsl.versionString());
        } else {
            provider = SslProvider.JDK;
            LOG.info("TLS through the JDK: OpenSSL is unavailable ({})", String.valueOf(OpenSsl.unavailabilityCause()));
        }
        ServerTls tls = new ServerTls(config, provider);
        tls.certModified = modified(config.cert());
        tls.keyModified = modified(config.key());
        try {
            tls.context = tls.build();
        } catch (SSLException | RuntimeException e) {
            throw new SSLException("mqtts.cert / mqtts.key: cannot load " + config.cert() + " and " + config.key()
                    + ": " + e.getMessage(), e);
        }
        tls.checks = executor.scheduleWithFixedDelay(tls::reloadIfChanged, CHECK_SECONDS, CHECK_SECONDS,
                TimeUnit.SECONDS);
        return tls;
    }

    /** The context for new connections. */
    public SslContext context() {
        return context;
    }

    public HatchwayConfig.Tls config() {
        return config;
    }

    private SslContext build() throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(config.cert().toFile(), config.key().toFile())
                .sslProvider(provider)
                .protocols(PROTOCOLS);
        switch (config.clientAuth()) {
            case NONE -> builder.clientAuth(ClientAuth.NONE);
            case OPTIONAL -> builder.clientAuth(ClientAuth.OPTIONAL).trustManager(new DeferredClientTrust());
            case REQUIRE -> builder.clientAuth(ClientAuth.REQUIRE).trustManager(new DeferredClientTrust());
            default -> throw new IllegalStateException("unknown client auth " + config.clientAuth());
        }
        return builder.build();
    }

    private void reloadIfChanged() {
        FileTime cert = modified(config.cert());
        FileTime key = modified(config.key());
        if (Objects.equals(cert, certModified) && Objects.equals(key, keyModified)) {
            return;
        }
        try {
            context = build();
            certModified = cert;
            keyModified = key;
            LOG.info("Reloaded TLS certificate {} and key {}", config.cert(), config.key());
        } catch (SSLException | RuntimeException e) {
            LOG.error("TLS certificate {} or key {} does not load, keeping the previous pair: {}", config.cert(),
                    config.key(), e.toString());
            // retry only after the next change
            certModified = cert;
            keyModified = key;
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (checks != null) {
            checks.cancel(false);
        }
    }
}
