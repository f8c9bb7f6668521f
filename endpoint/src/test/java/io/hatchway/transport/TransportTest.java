package io.hatchway.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hatchway.TestPki;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MQTT over TLS, WebSocket and secure WebSocket with real clients, authenticated by password. */
class TransportTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static TestPki.CertificateAuthority serverCa;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestPki.root("Hatchway Test Server CA");
        serverCa.serverCertificate().writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
        BindAddress any = new BindAddress("127.0.0.1", 0);
        server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(5), Optional.empty(),
                config -> config.withListeners(
                        Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"), dir.resolve("server.key"),
                                HatchwayConfig.ClientAuth.OPTIONAL)),
                        Optional.empty(),
                        Optional.of(new HatchwayConfig.WebSocket(any, "/mqtt", List.of())),
                        Optional.of(new HatchwayConfig.WebSocket(any, "/mqtt", List.of()))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static boolean eventArrived(String marker) throws IOException {
        for (JsonNode event : server.events()) {
            if (event.toString().contains(marker)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void passwordOverTlsPublishesAnEvent() throws Exception {
        String marker = UUID.randomUUID().toString();
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().serverHost("localhost")
                .serverPort(server.port("mqtts"))
                .sslConfig().trustManagerFactory(serverCa.trustManagerFactory()).applySslConfig()
                .buildBlocking();
        client.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth()
                .send();
        client.publishWith().topic("tls").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\"")).send();
        client.disconnect();
        assertTrue(eventArrived(marker));
    }

    @Test
    void tls12AndTls13AreBothOffered() throws Exception {
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, serverCa.trustManagerFactory().getTrustManagers(), null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost",
                    server.port("mqtts"))) {
                socket.setEnabledProtocols(new String[] {protocol});
                socket.startHandshake();
                assertEquals(protocol, socket.getSession().getProtocol());
            }
        }
    }

    @Test
    void mqtt311OverWebSocketPublishesAnEvent() throws Exception {
        String marker = UUID.randomUUID().toString();
        Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().serverHost("127.0.0.1")
                .serverPort(server.port("ws"))
                .webSocketConfig().serverPath("mqtt").subprotocol("mqtt").applyWebSocketConfig()
                .buildBlocking();
        client.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth()
                .send();
        client.publishWith().topic("ws").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\"")).send();
        client.disconnect();
        assertTrue(eventArrived(marker));
    }

    @Test
    void mqtt5OverSecureWebSocketPublishesAnEvent() throws Exception {
        String marker = UUID.randomUUID().toString();
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().serverHost("localhost")
                .serverPort(server.port("wss"))
                .sslConfig().trustManagerFactory(serverCa.trustManagerFactory()).applySslConfig()
                .webSocketConfig().serverPath("mqtt").subprotocol("mqtt").applyWebSocketConfig()
                .buildBlocking();
        client.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth()
                .send();
        client.publishWith().topic("wss").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\"")).send();
        client.disconnect();
        assertTrue(eventArrived(marker));
    }

    @Test
    void webSocketUpgradeOnAnotherPathIsNotFound() throws Exception {
        String response = upgrade(false, server.port("ws"), "/other", "mqtt", null);
        assertTrue(response.startsWith("HTTP/1.1 404"), response);
    }

    @Test
    void webSocketUpgradeWithoutTheMqttSubprotocolIsABadRequest() throws Exception {
        String response = upgrade(false, server.port("ws"), "/mqtt", "chat", null);
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
    }

    @Test
    void webSocketUpgradeIsAcceptedOnlyFromAllowedOrigins(@TempDir Path other) throws Exception {
        BindAddress any = new BindAddress("127.0.0.1", 0);
        try (TestServer guarded = TestServer.start(other, TestServer.REGISTRY, Duration.ofSeconds(5),
                Optional.empty(), config -> config.withListeners(Optional.empty(), Optional.empty(),
                        Optional.of(new HatchwayConfig.WebSocket(any, "/mqtt", List.of("https://app.example"))),
                        Optional.empty()))) {
            String evil = upgrade(false, guarded.port("ws"), "/mqtt", "mqtt", "https://evil.example");
            assertTrue(evil.startsWith("HTTP/1.1 403"), evil);
            String none = upgrade(false, guarded.port("ws"), "/mqtt", "mqtt", null);
            assertTrue(none.startsWith("HTTP/1.1 403"), none);
            String allowed = upgrade(false, guarded.port("ws"), "/mqtt", "mqtt", "https://app.example");
            assertTrue(allowed.startsWith("HTTP/1.1 101"), allowed);
            assertTrue(allowed.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-protocol: mqtt"), allowed);
        }
    }

    @Test
    void webSocketPathWithAQueryStringIsUpgraded() throws Exception {
        String response = upgrade(false, server.port("ws"), "/mqtt?token=abc", "mqtt", null);
        assertTrue(response.startsWith("HTTP/1.1 101"), response);
    }

    @Test
    void everyRequestOnAConnectionIsCheckedUntilTheUpgrade() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port("ws"))) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            // an upgrade Netty refuses (unsupported version) leaves the connection open: the next request is checked
            out.write(("GET /mqtt HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n"
                    + "Sec-WebSocket-Protocol: mqtt\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String first = head(socket.getInputStream());
            assertTrue(!first.startsWith("HTTP/1.1 101"), first);
            String second = upgradeOn(socket, "/mqtt", "chat", null);
            assertTrue(second.isEmpty() || second.startsWith("HTTP/1.1 400"), second);
        }
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int b;
        int length = -1;
        while ((b = in.read()) >= 0) {
            head.append((char) b);
            if (head.toString().endsWith("\r\n\r\n")) {
                break;
            }
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        if (m.find()) {
            length = Integer.parseInt(m.group(1));
            in.readNBytes(length);
        }
        return head.toString();
    }

    @Test
    void continuationOfATextMessageIsNotReadAsMqtt() throws Exception {
        byte[] connect = io.hatchway.RawMqttClient.connect("MQTT", 4, "sneaky", "device1@my-app", "hey-rodney", 30);
        try (Socket socket = new Socket("127.0.0.1", server.port("ws"))) {
            socket.setSoTimeout(10_000);
            assertTrue(upgradeOn(socket, "/mqtt", "mqtt", null).startsWith("HTTP/1.1 101"));
            java.io.ByteArrayOutputStream both = new java.io.ByteArrayOutputStream();
            both.writeBytes(frame(0x01, false, "x".getBytes(StandardCharsets.US_ASCII)));
            both.writeBytes(frame(0x00, true, connect));
            socket.getOutputStream().write(both.toByteArray());
            InputStream in = socket.getInputStream();
            assertEquals(0x88, in.read(), "a close frame, not a CONNACK");
        }
    }

    @Test
    void legacySubprotocolMqttv31IsAccepted() throws Exception {
        String response = upgrade(false, server.port("ws"), "/mqtt", "mqttv3.1", null);
        assertTrue(response.startsWith("HTTP/1.1 101"), response);
        assertTrue(response.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-protocol: mqttv3.1"), response);
    }


    @Test
    void textFrameClosesTheWebSocket() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port("ws"))) {
            socket.setSoTimeout(10_000);
            String head = upgradeOn(socket, "/mqtt", "mqtt", null);
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            // a masked text frame "hi"
            socket.getOutputStream().write(new byte[] {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2});
            InputStream in = socket.getInputStream();
            assertEquals(0x88, in.read(), "close frame");
            int length = in.read();
            int status = (in.read() << 8) | in.read();
            assertEquals(1003, status);
            in.readNBytes(length - 2);
            assertEquals(-1, in.read(), "connection closed");
        }
    }

    @Test
    void mqttPacketsSplitAcrossFramesAndSharingFramesAreDecoded() throws Exception {
        byte[] connect = io.hatchway.RawMqttClient.connect("MQTT", 4, "frames", "device1@my-app", "hey-rodney", 30);
        byte[] ping = {(byte) 0xC0, 0x00};
        try (Socket socket = new Socket("127.0.0.1", server.port("ws"))) {
            socket.setSoTimeout(10_000);
            assertTrue(upgradeOn(socket, "/mqtt", "mqtt", null).startsWith("HTTP/1.1 101"));
            OutputStream out = socket.getOutputStream();
            // CONNECT split over a binary frame and a continuation frame
            int half = connect.length / 2;
            out.write(frame(0x02, false, java.util.Arrays.copyOfRange(connect, 0, half)));
            out.write(frame(0x00, true, java.util.Arrays.copyOfRange(connect, half, connect.length)));
            InputStream in = socket.getInputStream();
            assertEquals(List.of(0x20, 0x02, 0x00, 0x00), binaryPayload(in));
            // two PINGREQs in one frame: two PINGRESPs
            out.write(frame(0x02, true, new byte[] {ping[0], ping[1], ping[0], ping[1]}));
            List<Integer> answers = new java.util.ArrayList<>(binaryPayload(in));
            if (answers.size() < 4) {
                answers.addAll(binaryPayload(in));
            }
            assertEquals(List.of(0xD0, 0x00, 0xD0, 0x00), answers);
        }
    }

    /** A masked client frame. */
    private static byte[] frame(int opcode, boolean fin, byte[] payload) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        out.write(0x80 | payload.length);
        byte[] mask = {7, 8, 9, 10};
        out.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        return out.toByteArray();
    }

    private static List<Integer> binaryPayload(InputStream in) throws IOException {
        assertEquals(0x82, in.read(), "binary frame");
        int length = in.read();
        List<Integer> bytes = new java.util.ArrayList<>();
        for (int i = 0; i < length; i++) {
            bytes.add(in.read());
        }
        return bytes;
    }

    @Test
    void serverCertificateFileChangeAppliesToNewConnections() throws Exception {
        BigInteger before = serverCertificateSerial();
        serverCa.serverCertificate().writePem(dir.resolve("server.pem.new"), dir.resolve("server.key.new"));
        Files.move(dir.resolve("server.key.new"), dir.resolve("server.key"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("server.pem.new"), dir.resolve("server.pem"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(20)).until(() -> !serverCertificateSerial().equals(before));
        assertNotEquals(before, serverCertificateSerial());
    }

    private static BigInteger serverCertificateSerial() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, serverCa.trustManagerFactory().getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost",
                server.port("mqtts"))) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    /** Sends a WebSocket upgrade request on a new connection and returns the response head. */
    static String upgrade(boolean tls, int port, String path, String subprotocol, String origin) throws Exception {
        Socket socket;
        if (tls) {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, serverCa.trustManagerFactory().getTrustManagers(), null);
            socket = context.getSocketFactory().createSocket("localhost", port);
        } else {
            socket = new Socket("127.0.0.1", port);
        }
        try (socket) {
            socket.setSoTimeout(10_000);
            return upgradeOn(socket, path, subprotocol, origin);
        }
    }

    private static String upgradeOn(Socket socket, String path, String subprotocol, String origin)
            throws IOException {
        {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Protocol: " + subprotocol + "\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0) {
                head.append((char) b);
                if (head.toString().endsWith("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString();
        }
    }
}
