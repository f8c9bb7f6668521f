package io.hatchway.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.hatchway.PskClients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestPki;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import io.hatchway.mqtt.MqttLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.hatchway.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Devices authenticated by the TLS layer: X.509 client certificates and pre-shared keys. */
class SecureAuthenticationTest {

    private static final byte[] PSK =
            HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

    @TempDir
    static Path dir;
    static TestServer server;
    static TestPki.CertificateAuthority serverCa;
    static TestPki.CertificateAuthority appCa;
    static TestPki.CertificateAuthority appIntermediate;
    static TestPki.CertificateAuthority offCa;
    static TestPki.CertificateAuthority strangerCa;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestPki.root("Hatchway Test Server CA");
        serverCa.serverCertificate().writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
        appCa = TestPki.root("my-app CA");
        appIntermediate = appCa.intermediate("my-app devices CA");
        offCa = TestPki.root("off-app CA");
        strangerCa = TestPki.root("Stranger CA");
        String registry = """
                applications:
                  - metadata: { name: my-app }
                    spec:
                      trustAnchors:
                        - certificate: |
                %s
                  - metadata: { name: off-app }
                    spec:
                      disabled: true
                      trustAnchors:
                        - certificate: |
                %s
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: hey-rodney
                          - psk: { key: "%s" }
                  - metadata: { name: edge-7, application: my-app }
                    spec:
                      alias: [ "CN=serial-0007,O=Hatchway Test" ]
                  - metadata: { name: device9, application: off-app }
                """.formatted(indent(TestPki.pem(appCa.certificate())), indent(TestPki.pem(offCa.certificate())),
                Base64.getEncoder().encodeToString(PSK));
        BindAddress any = new BindAddress("127.0.0.1", 0);
        server = TestServer.start(dir, registry, Duration.ofSeconds(5), Optional.empty(),
                config -> config.withListeners(
                        Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"), dir.resolve("server.key"),
                                HatchwayConfig.ClientAuth.OPTIONAL)),
                        Optional.of(new HatchwayConfig.Psk(any)), Optional.empty(), Optional.empty()));
    }

    private static String indent(String pem) {
        return pem.lines().map(line -> "              " + line).reduce((a, b) -> a + "\n" + b).orElseThrow();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Mqtt5BlockingClient withCertificate(TestPki.Issued device) throws Exception {
        return MqttClient.builder().useMqttVersion5().serverHost("localhost").serverPort(server.port("mqtts"))
                .sslConfig().trustManagerFactory(serverCa.trustManagerFactory())
                .keyManagerFactory(device.keyManagerFactory()).applySslConfig()
                .buildBlocking();
    }

    private static Mqtt5ConnAckException refused(TestPki.Issued device, String username) throws Exception {
        Mqtt5BlockingClient client = withCertificate(device);
        return assertThrows(Mqtt5ConnAckException.class, () -> {
            if (username == null) {
                client.connect();
            } else {
                client.connectWith().simpleAuth().username(username).applySimpleAuth().send();
            }
        });
    }

    private static JsonNode eventWith(String marker) throws IOException {
        return server.events().stream().filter(e -> e.toString().contains(marker)).findFirst()
                .orElseThrow(() -> new AssertionError("no event with " + marker));
    }

    @Test
    void clientCertificateSignedByTheApplicationCaAuthenticatesTheDeviceNamedByItsCn() throws Exception {
        String marker = UUID.randomUUID().toString();
        Mqtt5BlockingClient client = withCertificate(appCa.issue("CN=device1,O=Hatchway Test"));
        client.connect();
        client.publishWith().topic("mtls").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\"")).send();
        client.disconnect();
        JsonNode event = eventWith(marker);
        assertEquals("device1", event.get("device").asText());
        assertEquals("my-app", event.get("application").asText());
    }

    @Test
    void failedGuessesNamingACertificateDevicesClientIdDoNotLockItOut() throws Exception {
        String clientId = "cert-" + UUID.randomUUID();
        // Without a username the client id is the identity: ten failures (the default limit), sent at once.
        List<RawMqttClient> guesses = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < MqttLimits.DEFAULTS.maxAuthFailuresPerIdentity(); i++) {
                guesses.add(new RawMqttClient(server.mqttPort())
                        .send(RawMqttClient.connect("MQTT", 5, clientId, null, null, 30)));
            }
            for (RawMqttClient guess : guesses) {
                assertEquals(0x86, guess.readPacket()[3] & 0xFF, "Bad User Name or Password");
            }
        } finally {
            for (RawMqttClient guess : guesses) {
                guess.close();
            }
        }
        try (RawMqttClient throttled = new RawMqttClient(server.mqttPort())) {
            throttled.send(RawMqttClient.connect("MQTT", 5, clientId, null, null, 30));
            assertEquals(0x9F, throttled.readPacket()[3] & 0xFF, "Connection rate exceeded");
        }
        // The TLS handshake proved the certificate's key: nothing was guessed, the device gets in.
        Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("localhost").serverPort(server.port("mqtts"))
                .sslConfig().trustManagerFactory(serverCa.trustManagerFactory())
                .keyManagerFactory(appCa.issue("CN=device1,O=Hatchway Test").keyManagerFactory()).applySslConfig()
                .buildBlocking();
        device.connect();
        device.disconnect();
    }

    @Test
    void certificateIssuedByAnIntermediateAuthenticatesByItsSubjectAlias() throws Exception {
        String marker = UUID.randomUUID().toString();
        Mqtt5BlockingClient client = withCertificate(appIntermediate.issue("CN=serial-0007,O=Hatchway Test"));
        client.connect();
        client.publishWith().topic("mtls").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\"")).send();
        client.disconnect();
        assertEquals("edge-7", eventWith(marker).get("device").asText());
    }

    @Test
    void expiredCertificateIsRefusedWithAReason() throws Exception {
        Mqtt5ConnAckException e = refused(appCa.issue("CN=device1,O=Hatchway Test",
                Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1))), null);
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, e.getMqttMessage().getReasonCode());
        assertTrue(e.getMqttMessage().getReasonString().orElseThrow().toString().contains("expired"));
    }

    @Test
    void notYetValidCertificateIsRefused() throws Exception {
        Mqtt5ConnAckException e = refused(appCa.issue("CN=device1,O=Hatchway Test",
                Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(10))), null);
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, e.getMqttMessage().getReasonCode());
    }

    @Test
    void certificateOfAnUnknownCaIsRefused() throws Exception {
        Mqtt5ConnAckException e = refused(strangerCa.issue("CN=device1,O=Hatchway Test"), null);
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, e.getMqttMessage().getReasonCode());
    }

    @Test
    void certificateForNoKnownDeviceIsRefused() throws Exception {
        Mqtt5ConnAckException e = refused(appCa.issue("CN=nobody,O=Hatchway Test"), null);
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, e.getMqttMessage().getReasonCode());
    }

    @Test
    void certificateSignedByADisabledApplicationsAnchorIsNotAuthorized() throws Exception {
        Mqtt5ConnAckException e = refused(offCa.issue("CN=device9,O=Hatchway Test"), null);
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCode());
    }

    @Test
    void usernameNamingAnotherDeviceThanTheCertificateIsRefused() throws Exception {
        Mqtt5ConnAckException e = refused(appCa.issue("CN=device1,O=Hatchway Test"), "edge-7@my-app");
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, e.getMqttMessage().getReasonCode());
        Mqtt5BlockingClient same = withCertificate(appCa.issue("CN=device1,O=Hatchway Test"));
        same.connectWith().simpleAuth().username("device1@my-app").applySimpleAuth().send();
        same.disconnect();
    }

    @Test
    void mqtt311ClientWithAnExpiredCertificateGetsBadUsernameOrPassword() throws Exception {
        TestPki.Issued expired = appCa.issue("CN=device1,O=Hatchway Test",
                Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1)));
        Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().serverHost("localhost")
                .serverPort(server.port("mqtts")).sslConfig().trustManagerFactory(serverCa.trustManagerFactory())
                .keyManagerFactory(expired.keyManagerFactory()).applySslConfig().buildBlocking();
        Mqtt3ConnAckException e = assertThrows(Mqtt3ConnAckException.class, client::connect);
        assertEquals(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD, e.getMqttMessage().getReturnCode());
    }

    @Test
    void certificateRequestNamesNoCertificateAuthorities() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        java.util.concurrent.atomic.AtomicReference<java.security.Principal[]> issuers =
                new java.util.concurrent.atomic.AtomicReference<>();
        javax.net.ssl.X509KeyManager keys = new javax.net.ssl.X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseClientAlias(String[] keyType, java.security.Principal[] accepted, Socket socket) {
                issuers.set(accepted);
                return null;
            }

            @Override
            public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                return null;
            }

            @Override
            public String chooseServerAlias(String keyType, java.security.Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
                return null;
            }

            @Override
            public java.security.PrivateKey getPrivateKey(String alias) {
                return null;
            }
        };
        context.init(new KeyManager[] {keys}, serverCa.trustManagerFactory().getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost",
                server.port("mqtts"))) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
        }
        assertTrue(issuers.get() == null || issuers.get().length == 0,
                "the server listed CAs: " + java.util.Arrays.toString(issuers.get()));
    }

    @Test
    void requiredClientAuthenticationRefusesAHandshakeWithoutCertificate(@TempDir Path other) throws Exception {
        BindAddress any = new BindAddress("127.0.0.1", 0);
        try (TestServer strict = TestServer.start(other, TestServer.REGISTRY, Duration.ofSeconds(5), Optional.empty(),
                config -> config.withListeners(Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"),
                        dir.resolve("server.key"), HatchwayConfig.ClientAuth.REQUIRE)), Optional.empty(),
                        Optional.empty(), Optional.empty()))) {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, serverCa.trustManagerFactory().getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost",
                    strict.port("mqtts"))) {
                socket.setSoTimeout(10_000);
                socket.setEnabledProtocols(new String[] {"TLSv1.2"});
                assertThrows(IOException.class, () -> {
                    socket.startHandshake();
                    socket.getOutputStream().write(RawMqttClient.connect("MQTT", 4, "x", "device1@my-app",
                            "hey-rodney", 30));
                    if (socket.getInputStream().read() < 0) {
                        throw new IOException("closed");
                    }
                });
            }
        }
    }

    @Test
    void secureWebSocketAsksBrowsersForNoCertificateEvenWhenMqttsRequiresOne(@TempDir Path other) throws Exception {
        BindAddress any = new BindAddress("127.0.0.1", 0);
        try (TestServer strict = TestServer.start(other, TestServer.REGISTRY, Duration.ofSeconds(5), Optional.empty(),
                config -> config.withListeners(Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"),
                        dir.resolve("server.key"), HatchwayConfig.ClientAuth.REQUIRE)), Optional.empty(),
                        Optional.empty(),
                        Optional.of(new HatchwayConfig.WebSocket(any, "/mqtt", java.util.List.of()))))) {
            Mqtt5BlockingClient browserLike = MqttClient.builder().useMqttVersion5().serverHost("localhost")
                    .serverPort(strict.port("wss"))
                    .sslConfig().trustManagerFactory(serverCa.trustManagerFactory()).applySslConfig()
                    .webSocketConfig().serverPath("mqtt").subprotocol("mqtt").applyWebSocketConfig()
                    .buildBlocking();
            browserLike.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney"))
                    .applySimpleAuth().send();
            browserLike.disconnect();
        }
    }

    @Test
    void tlsHandshakeThatNeverStartsIsClosedAtTheConnectTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port("mqtts"))) {
            socket.setSoTimeout(15_000);
            long start = System.nanoTime();
            assertEquals(-1, socket.getInputStream().read(), "closed without a byte");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(14));
        }
    }

    @Test
    void removingAnApplicationsTrustAnchorRefusesItsCertificatesWithoutRestart(@TempDir Path other)
            throws Exception {
        String withAnchor = """
                applications:
                  - metadata: { name: my-app }
                    spec:
                      trustAnchors:
                        - certificate: |
                %s
                devices:
                  - metadata: { name: device1, application: my-app }
                """.formatted(indent(TestPki.pem(appCa.certificate())));
        BindAddress any = new BindAddress("127.0.0.1", 0);
        try (TestServer changing = TestServer.start(other, withAnchor, Duration.ofSeconds(5), Optional.empty(),
                config -> config.withListeners(Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"),
                        dir.resolve("server.key"), HatchwayConfig.ClientAuth.OPTIONAL)), Optional.empty(),
                        Optional.empty(), Optional.empty()))) {
            TestPki.Issued device = appCa.issue("CN=device1,O=Hatchway Test");
            Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().serverHost("localhost")
                    .serverPort(changing.port("mqtts")).sslConfig().trustManagerFactory(serverCa.trustManagerFactory())
                    .keyManagerFactory(device.keyManagerFactory()).applySslConfig().buildBlocking();
            client.connect();
            client.disconnect();
            java.nio.file.Files.writeString(changing.registryFile(), """
                    applications:
                      - metadata: { name: my-app }
                    devices:
                      - metadata: { name: device1, application: my-app }
                    """);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
                try {
                    client.connect();
                    client.disconnect();
                    return false;
                } catch (Mqtt5ConnAckException e) {
                    return e.getMqttMessage().getReasonCode() == Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD;
                }
            });
        }
    }

    // --- TLS-PSK ---

    @SuppressWarnings("deprecation")
    private static SSLSocket pskSocket(String identity, byte[] key) throws Exception {
        return pskSocket(pskContext(identity, key));
    }

    private static SSLSocket pskSocket(SSLContext context) throws Exception {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port("mqttsPsk"));
        socket.setSoTimeout(10_000);
        socket.setEnabledProtocols(new String[] {"TLSv1.2"});
        socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_PSK_WITH_AES_128_CBC_SHA"});
        return socket;
    }

    private static SSLContext pskContext(String identity, byte[] key) throws Exception {
        return PskClients.context(identity, key);
    }

    @Test
    void resumedPskSessionStillAuthenticatesTheDevice() throws Exception {
        SSLContext context = pskContext("device1@my-app", PSK);
        byte[] first = null;
        for (int i = 0; i < 3; i++) {
            try (SSLSocket socket = pskSocket(context)) {
                socket.startHandshake();
                if (first == null) {
                    first = socket.getSession().getId();
                }
                socket.getOutputStream().write(RawMqttClient.connect("MQTT", 4, "psk-again", null, null, 30));
                assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x00}, socket.getInputStream().readNBytes(4),
                        "connection " + i);
            }
        }
    }

    @Test
    void pskListenerRefusesPasswordsWithoutAPskIdentity() throws Exception {
        // the PSK identity, not a username and password, is the credential on this listener
        try (SSLSocket socket = pskSocket("ghost@my-app", PSK)) {
            assertThrows(SSLException.class, socket::startHandshake);
        }
    }

    @Test
    void pskIdentityAuthenticatesTheDeviceWithoutUsername() throws Exception {
        String marker = UUID.randomUUID().toString();
        try (SSLSocket socket = pskSocket("device1@my-app", PSK)) {
            socket.startHandshake();
            socket.getOutputStream().write(RawMqttClient.connect("MQTT", 4, "psk-client", null, null, 30));
            InputStream in = socket.getInputStream();
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x00}, in.readNBytes(4));
            socket.getOutputStream().write(RawMqttClient.publishV3("psk", 1, 1,
                    ("\"" + marker + "\"").getBytes(StandardCharsets.UTF_8)));
            assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 0x01}, in.readNBytes(4));
        }
        assertEquals("device1", eventWith(marker).get("device").asText());
    }

    @Test
    void pskHandshakeWithAWrongKeyOrUnknownIdentityFails() throws Exception {
        byte[] wrong = PSK.clone();
        wrong[0] ^= 1;
        try (SSLSocket socket = pskSocket("device1@my-app", wrong)) {
            assertThrows(SSLException.class, socket::startHandshake);
        }
        try (SSLSocket socket = pskSocket("ghost@my-app", PSK)) {
            assertThrows(SSLException.class, socket::startHandshake);
        }
    }

    @Test
    void mosquittoPubWithPskPublishes() throws Exception {
        String marker = UUID.randomUUID().toString();
        Process process = new ProcessBuilder("mosquitto_pub", "-h", "127.0.0.1",
                "-p", Integer.toString(server.port("mqttsPsk")), "--psk", HexFormat.of().formatHex(PSK),
                "--psk-identity", "device1@my-app", "-t", "psk", "-q", "1", "-m", "\"" + marker + "\"")
                .redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "mosquitto_pub did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), output);
        assertEquals("device1", eventWith(marker).get("device").asText());
    }
}
