package io.hatchway;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestPkiTest {

    @TempDir
    Path dir;

    @Test
    void deviceCertificateFromAnIntermediateValidatesAgainstTheRoot() throws Exception {
        TestPki.CertificateAuthority root = TestPki.root("my-app CA");
        TestPki.CertificateAuthority intermediate = root.intermediate("my-app devices");

        TestPki.Issued device = intermediate.issue("CN=device1,O=Hatchway Test");

        assertEquals(List.of(device.certificate(), intermediate.certificate()), device.chain());
        assertEquals("CN=device1,O=Hatchway Test", device.certificate().getSubjectX500Principal().getName());
        validate(device.chain(), root.certificate(), Instant.now());
    }

    @Test
    void deviceCertificateFromTheRootHasAChainOfItselfAlone() throws Exception {
        TestPki.CertificateAuthority root = TestPki.root("my-app CA");

        TestPki.Issued device = root.issue("CN=device1,O=Hatchway Test");

        assertEquals(List.of(device.certificate()), device.chain());
        validate(device.chain(), root.certificate(), Instant.now());
    }

    @Test
    void validityWindowIsTheOneRequestedSoExpiredAndNotYetValidCertificatesFailPkix() {
        TestPki.CertificateAuthority root = TestPki.root("my-app CA");
        Instant now = Instant.now();
        Instant twoDaysAgo = now.minus(Duration.ofDays(2));
        Instant yesterday = now.minus(Duration.ofDays(1));
        Instant tomorrow = now.plus(Duration.ofDays(1));
        Instant inTwoDays = now.plus(Duration.ofDays(2));

        TestPki.Issued expired = root.issue("CN=expired", twoDaysAgo, yesterday);
        TestPki.Issued notYetValid = root.issue("CN=early", tomorrow, inTwoDays);

        assertEquals(twoDaysAgo.truncatedTo(ChronoUnit.SECONDS), expired.certificate().getNotBefore().toInstant());
        assertEquals(yesterday.truncatedTo(ChronoUnit.SECONDS), expired.certificate().getNotAfter().toInstant());
        assertEquals(BasicReason.EXPIRED, assertThrows(CertPathValidatorException.class,
                () -> validate(expired.chain(), root.certificate(), now)).getReason());
        assertEquals(BasicReason.NOT_YET_VALID, assertThrows(CertPathValidatorException.class,
                () -> validate(notYetValid.chain(), root.certificate(), now)).getReason());
    }

    @Test
    void serverCertificateNamesTheLoopbackHostAndAddresses() throws Exception {
        X509Certificate server = TestPki.root("Hatchway Test Server CA").serverCertificate().certificate();

        assertEquals(Set.of(List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1")),
                Set.copyOf(server.getSubjectAlternativeNames()));
    }

    @Test
    void writtenPemFilesLoadInNettyAndCompleteAMutualTlsHandshake() throws Exception {
        TestPki.CertificateAuthority serverCa = TestPki.root("Hatchway Test Server CA");
        TestPki.CertificateAuthority appCa = TestPki.root("my-app CA");
        TestPki.Issued device = appCa.intermediate("my-app devices").issue("CN=device1,O=Hatchway Test");
        serverCa.serverCertificate().writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
        TestPki.writeCertificatePem(dir.resolve("app-ca.pem"), appCa.certificate());

        assertTrue(Files.readString(dir.resolve("server.key")).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        SSLEngine server = nettyServer(dir).newEngine(ByteBufAllocator.DEFAULT);
        handshake(client(device, serverCa), server);

        X509Certificate peer = (X509Certificate) server.getSession().getPeerCertificates()[0];
        assertEquals("CN=device1,O=Hatchway Test", peer.getSubjectX500Principal().getName());
    }

    @Test
    void expiredDeviceCertificateFailsTheHandshake() throws Exception {
        TestPki.CertificateAuthority serverCa = TestPki.root("Hatchway Test Server CA");
        TestPki.CertificateAuthority appCa = TestPki.root("my-app CA");
        Instant now = Instant.now();
        TestPki.Issued device = appCa.issue("CN=device1", now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
        serverCa.serverCertificate().writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
        TestPki.writeCertificatePem(dir.resolve("app-ca.pem"), appCa.certificate());

        SSLEngine server = nettyServer(dir).newEngine(ByteBufAllocator.DEFAULT);

        assertThrows(SSLException.class, () -> handshake(client(device, serverCa), server));
    }

    private static void validate(List<X509Certificate> chain, X509Certificate root, Instant at) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        parameters.setDate(java.util.Date.from(at));
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
    }

    /** A server as Hatchway's TLS listener would build it: PEM files, devices must present a certificate. */
    private static SslContext nettyServer(Path dir) throws SSLException {
        return SslContextBuilder.forServer(dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile())
                .trustManager(dir.resolve("app-ca.pem").toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .sslProvider(SslProvider.JDK)
                .build();
    }

    /** A device connecting to {@code localhost}, checking the server's name against its certificate. */
    private static SSLEngine client(TestPki.Issued device, TestPki.CertificateAuthority serverCa) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(device.keyManagerFactory().getKeyManagers(), serverCa.trustManagerFactory().getTrustManagers(),
                null);
        SSLEngine engine = context.createSSLEngine("localhost", 8883);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** Drives both engines in memory until neither is handshaking; a rejected peer surfaces as an SSLException. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer clientToServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer serverToClient = ByteBuffer.allocate(1 << 16);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 20; round++) {
            exchange(client, serverToClient, clientToServer);
            exchange(server, clientToServer, serverToClient);
            if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
                return;
            }
        }
        throw new AssertionError("handshake did not finish: client " + client.getHandshakeStatus()
                + ", server " + server.getHandshakeStatus());
    }

    /** Reads every record waiting in {@code inbound}, then writes everything {@code engine} has to send. */
    private static void exchange(SSLEngine engine, ByteBuffer inbound, ByteBuffer outbound) throws SSLException {
        ByteBuffer application = ByteBuffer.allocate(1 << 16);
        inbound.flip();
        while (inbound.hasRemaining() && engine.unwrap(inbound, application).bytesConsumed() > 0) {
            runDelegatedTasks(engine);
        }
        inbound.compact();
        runDelegatedTasks(engine);
        while (engine.wrap(ByteBuffer.allocate(0), outbound).bytesProduced() > 0) {
            runDelegatedTasks(engine);
        }
    }

    private static void runDelegatedTasks(SSLEngine engine) {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }
}
