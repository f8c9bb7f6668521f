package io.hatchway.transport;

import io.hatchway.config.HatchwayConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The server side of TLS: certificate and key from PEM files, TLS 1.3 and 1.2, through OpenSSL (BoringSSL from
 * netty-tcnative) where its native library loads and the JDK otherwise. The files are checked every two seconds on
 * a thread of their own; once a change has settled (the files unchanged for one check, so a key and certificate
 * replaced one after the other are loaded together) the new pair is used for new connections, while open
 * connections keep their session. A pair that fails to load is logged, the previous one stays in force, and the
 * load is tried again at the next check. The accessors are thread-safe.
 */
public final class ServerTls implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final long CHECK_SECONDS = 2;

    private final HatchwayConfig.Tls config;
    private final SslProvider provider;
    private final ScheduledExecutorService checker;
    private volatile SslContext context;
    private volatile SslContext withoutClientAuth;
    private List<Object> loaded;
    private List<Object> seen;

    private ServerTls(HatchwayConfig.Tls config, SslProvider provider) {
        this.config = config;
        this.provider = provider;
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "hatchway-tls-reload");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Loads the certificate and key (failing if they don't load) and starts watching them. */
    public static ServerTls start(HatchwayConfig.Tls config) throws SSLException {
        SslProvider provider;
        if (OpenSsl.isAvailable()) {
            provider = SslProvider.OPENSSL;
            LOG.info("TLS through OpenSSL ({})", OpenSsl.versionString());
        } else {
            provider = SslProvider.JDK;
            LOG.info("TLS through the JDK: OpenSSL is unavailable ({})", String.valueOf(OpenSsl.unavailabilityCause()));
        }
        ServerTls tls = new ServerTls(config, provider);
        tls.loaded = tls.state();
        tls.seen = tls.loaded;
        try {
            tls.context = tls.build(config.clientAuth());
            tls.withoutClientAuth = tls.build(HatchwayConfig.ClientAuth.NONE);
        } catch (SSLException | RuntimeException e) {
            tls.close();
            throw new SSLException("mqtts.cert / mqtts.key: cannot load " + config.cert() + " and " + config.key()
                    + ": " + e.getMessage(), e);
        }
        tls.checker.scheduleWithFixedDelay(tls::reloadIfChanged, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
        return tls;
    }

    /** The context for new connections, asking for client certificates as {@code mqtts.clientAuth} says. */
    public SslContext context() {
        return context;
    }

    /** The same certificate without asking clients for one: for browsers on {@code wss}. */
    public SslContext contextWithoutClientAuth() {
        return withoutClientAuth;
    }

    public HatchwayConfig.Tls config() {
        return config;
    }

    private SslContext build(HatchwayConfig.ClientAuth clientAuth) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(config.cert().toFile(), config.key().toFile())
                .sslProvider(provider)
                .protocols(PROTOCOLS);
        switch (clientAuth) {
            case NONE -> builder.clientAuth(ClientAuth.NONE);
            case OPTIONAL -> builder.clientAuth(ClientAuth.OPTIONAL).trustManager(new DeferredClientTrust());
            case REQUIRE -> builder.clientAuth(ClientAuth.REQUIRE).trustManager(new DeferredClientTrust());
            default -> throw new IllegalStateException("unknown client auth " + clientAuth);
        }
        return builder.build();
    }

    private void reloadIfChanged() {
        List<Object> now = state();
        boolean settled = now.equals(seen);
        seen = now;
        if (!settled || now.equals(loaded)) {
            return;
        }
        try {
            SslContext next = build(config.clientAuth());
            SslContext nextWithoutClientAuth = build(HatchwayConfig.ClientAuth.NONE);
            context = next;
            withoutClientAuth = nextWithoutClientAuth;
            loaded = now;
            LOG.info("Reloaded TLS certificate {} and key {}", config.cert(), config.key());
        } catch (SSLException | RuntimeException e) {
            LOG.error("TLS certificate {} or key {} does not load, keeping the previous pair: {}", config.cert(),
                    config.key(), e.toString());
        }
    }

    /** Modification times and sizes of the certificate and key files. */
    private List<Object> state() {
        return List.of(attributes(config.cert()), attributes(config.key()));
    }

    private static String attributes(Path file) {
        try {
            return Files.getLastModifiedTime(file) + "/" + Files.size(file);
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
    }
}
