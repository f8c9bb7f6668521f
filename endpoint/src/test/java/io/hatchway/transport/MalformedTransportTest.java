package io.hatchway.transport;

import io.hatchway.PskClients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestPki;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed input at the transport layer, as raw bytes over a real socket (issue 7, "Hardening", section 1, rows 19
 * and 20): WebSocket frames and upgrades on the {@code ws} listener, and what is not a TLS handshake on the
 * {@code mqtts} and {@code mqttsPsk} listeners. WebSocket frames are encoded and masked by hand so that exactly the
 * bytes under test are sent. Every test asserts the exact outcome and then that every listener still serves a
 * well-behaved client.
 */
class MalformedTransportTest {

    /** Short, so that the stalled handshakes of row 20 end quickly; the handshake timeout is the same. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Far below the connect timeout: a close within this time answers the bytes, it is not the timeout. */
    private static final int PROMPTLY_MS = 1_000;
    /** Scheduling slack allowed around the connect timeout. */
    private static final int EARLY_MS = 100;
    private static final int LATE_MS = 3_000;

    private static final String USERNAME = "device1@my-app";
    private static final String PASSWORD = "hey-rodney";
    private static final byte[] PSK =
            HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

    private static final byte[] CONNACK_ACCEPTED_V3 = {0x20, 0x02, 0x00, 0x00};

    /** WebSocket opcodes and the close status for a data type the endpoint cannot accept (RFC 6455 5.2, 7.4.1). */
    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int UNSUPPORTED_DATA = 1003;

    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    @TempDir
    static Path dir;
    static TestServer server;
    static TestPki.CertificateAuthority serverCa;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestPki.root("Hatchway Test Server CA");
        serverCa.serverCertificate().writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
        String registry = """
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: %s
                          - psk: { key: "%s" }
                """.formatted(PASSWORD, Base64.getEncoder().encodeToString(PSK));
        BindAddress any = new BindAddress("127.0.0.1", 0);
        server = TestServer.start(dir, registry, CONNECT_TIMEOUT, Optional.empty(),
                config -> config.withListeners(
                        Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"), dir.resolve("server.key"),
                                HatchwayConfig.ClientAuth.OPTIONAL)),
                        Optional.of(new HatchwayConfig.Psk(any)),
                        Optional.of(new HatchwayConfig.WebSocket(any, "/mqtt", List.of())),
                        Optional.empty()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** After every row: on ws, mqtts and mqttsPsk a CONNECT gets CONNACK and a QoS 1 PUBLISH its PUBACK. */
    @AfterEach
    void serverStillServesAWellBehavedClient() throws Exception {
        try (Socket socket = webSocket()) {
            sendFrame(socket, BINARY, true, concat(connect(), publish("ws", 1, "{}")));
            assertArrayEquals(concat(CONNACK_ACCEPTED_V3, puback(1)), readMqtt(socket.getInputStream(), 8), "ws");
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, serverCa.trustManagerFactory().getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port("mqtts"))) {
            assertServed(socket, "mqtts");
        }
        try (SSLSocket socket = pskSocket()) {
            assertServed(socket, "mqttsPsk");
        }
    }

    // Row 19a. MQTT travels in binary frames; any other data frame closes the connection [MQTT-6.0.0-1]: close
    // status 1003, "an endpoint is terminating the connection because it has received a type of data it cannot
    // accept" (RFC 6455 section 7.4.1). The CONNECT it carries is not read. Its flags byte 0xC2 followed by 0x00 is
    // not UTF-8: this is 1003 too, not the 1007 (invalid payload data) of a UTF-8 check that never should have run.
    @Test
    void connectInATextFrameIsAnsweredWithClose1003AndTheConnectionClosedWithoutConnack() throws Exception {
        try (Socket socket = webSocket()) {
            sendFrame(socket, TEXT, true, connect());
            Frame close = readFrame(socket.getInputStream());
            assertEquals(0x80 | CLOSE, close.header(), "a final close frame, not a CONNACK");
            assertEquals(UNSUPPORTED_DATA, close.status());
            assertEquals("MQTT needs binary frames", close.reason());
            assertTrue(closedWithin(socket, PROMPTLY_MS), "close frame sent but the connection stays open");
        }
    }

    // Row 19a, once connected: a QoS 1 PUBLISH in a text frame is not read (no PUBACK, no event) and the connection
    // is closed with 1003.
    @Test
    void publishInATextFrameAfterConnackIsAnsweredWithClose1003AndNotPublished() throws Exception {
        String marker = UUID.randomUUID().toString();
        try (Socket socket = webSocket()) {
            sendFrame(socket, BINARY, true, connect());
            assertArrayEquals(CONNACK_ACCEPTED_V3, readMqtt(socket.getInputStream(), 4));
            sendFrame(socket, TEXT, true, publish("ws", 3, json(marker)));
            Frame close = readFrame(socket.getInputStream());
            assertEquals(0x80 | CLOSE, close.header(), "a final close frame, not a PUBACK");
            assertEquals(UNSUPPORTED_DATA, close.status());
            assertTrue(closedWithin(socket, PROMPTLY_MS), "close frame sent but the connection stays open");
        }
        assertFalse(server.events().stream().anyMatch(e -> e.toString().contains(marker)), "published from text");
    }

    // Row 19b. The client must offer the subprotocol "mqtt" [MQTT-6.0.0-3]: no subprotocol at all is refused with
    // 400 and a reason, and nothing is upgraded.
    @Test
    void upgradeWithoutSubprotocolIsRefusedWith400AndAReason() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port("ws"))) {
            socket.setSoTimeout(10_000);
            assertRefusedWith400(socket, upgrade(socket, null));
            assertTrue(closedWithin(socket, PROMPTLY_MS));
        }
    }

    @Test
    void upgradeOfferingOnlyAnotherSubprotocolIsRefusedWith400AndAReason() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port("ws"))) {
            socket.setSoTimeout(10_000);
            assertRefusedWith400(socket, upgrade(socket, "chat"));
            assertTrue(closedWithin(socket, PROMPTLY_MS));
        }
    }

    // Row 19b, the other side: "mqtt" anywhere in the offered list is chosen and echoed [MQTT-6.0.0-4].
    @Test
    void upgradeOfferingChatAndMqttIsAcceptedWithMqtt() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port("ws"))) {
            socket.setSoTimeout(10_000);
            String head = upgrade(socket, "chat, mqtt");
            assertTrue(head.startsWith("HTTP/1.1 101 "), head);
            assertTrue(head.toLowerCase(Locale.ROOT).contains("\r\nsec-websocket-protocol: mqtt\r\n"), head);
        }
    }

    // Row 19c. A frame may hold part of a packet [MQTT-6.0.0-2]: a CONNECT and a PUBLISH one byte per binary
    // message (each frame final) are decoded, acknowledged and published.
    @Test
    void packetsSentOneBytePerBinaryFrameAreDecoded() throws Exception {
        String marker = UUID.randomUUID().toString();
        try (Socket socket = webSocket()) {
            for (byte b : connect()) {
                sendFrame(socket, BINARY, true, new byte[] {b});
            }
            assertArrayEquals(CONNACK_ACCEPTED_V3, readMqtt(socket.getInputStream(), 4));
            for (byte b : publish("ws", 7, json(marker))) {
                sendFrame(socket, BINARY, true, new byte[] {b});
            }
            assertArrayEquals(puback(7), readMqtt(socket.getInputStream(), 4));
        }
        assertInSink(marker);
    }

    // Row 19c. The same through one fragmented message: a binary frame, then one continuation frame per byte.
    @Test
    void connectFragmentedIntoOneByteContinuationFramesIsDecoded() throws Exception {
        String marker = UUID.randomUUID().toString();
        byte[] connect = connect();
        try (Socket socket = webSocket()) {
            sendFrame(socket, BINARY, false, Arrays.copyOfRange(connect, 0, 1));
            for (int i = 1; i < connect.length; i++) {
                sendFrame(socket, CONTINUATION, i == connect.length - 1, Arrays.copyOfRange(connect, i, i + 1));
            }
            assertArrayEquals(CONNACK_ACCEPTED_V3, readMqtt(socket.getInputStream(), 4));
            sendFrame(socket, BINARY, true, publish("ws", 8, json(marker)));
            assertArrayEquals(puback(8), readMqtt(socket.getInputStream(), 4));
        }
        assertInSink(marker);
    }

    // Row 19c. A frame may hold several packets [MQTT-6.0.0-2]: CONNECT and a QoS 1 PUBLISH in one frame.
    @Test
    void connectAndQos1PublishInOneFrameGetConnackAndPuback() throws Exception {
        String marker = UUID.randomUUID().toString();
        try (Socket socket = webSocket()) {
            sendFrame(socket, BINARY, true, concat(connect(), publish("ws", 9, json(marker))));
            assertArrayEquals(concat(CONNACK_ACCEPTED_V3, puback(9)), readMqtt(socket.getInputStream(), 8));
        }
        assertInSink(marker);
    }

    // Row 20a. An HTTP request where a ClientHello belongs is not TLS: closed at once, not at the handshake timeout.
    @ParameterizedTest
    @ValueSource(strings = {"mqtts", "mqttsPsk"})
    void httpRequestInsteadOfClientHelloIsClosedPromptly(String listener) throws Exception {
        assertClosedPromptly(listener, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    // Row 20a. Random bytes, the first of them no TLS record type (RFC 8446 section 5.1).
    @ParameterizedTest
    @ValueSource(strings = {"mqtts", "mqttsPsk"})
    void randomBytesInsteadOfClientHelloAreClosedPromptly(String listener) throws Exception {
        byte[] garbage = new byte[512];
        new Random(20).nextBytes(garbage);
        garbage[0] = 0x42;
        assertClosedPromptly(listener, garbage);
    }

    // Row 20a/b. A handshake record announcing 65,535 bytes, more than a TLS record may hold (2^14 + 2048, RFC 5246
    // section 6.2.3), then 200 bytes. BoringSSL (mqtts) sees the header at once and closes; the PSK listener's
    // JDK-compatible SslHandler (Conscrypt) waits for the whole record it announced, at most 64 KB, so the connect
    // timeout ends it. Bounded either way; this row pins the difference.
    @Test
    void recordAnnouncingMoreThanTheTlsMaximumIsClosedPromptlyOnMqttsAndAtTheConnectTimeoutOnMqttsPsk()
            throws Exception {
        byte[] garbage = new byte[200];
        new Random(21).nextBytes(garbage);
        byte[] oversized = concat(new byte[] {0x16, 0x03, 0x01, (byte) 0xFF, (byte) 0xFF}, garbage);
        assertClosedPromptly("mqtts", oversized);
        assertClosedAtTheConnectTimeout("mqttsPsk", oversized);
    }

    // Row 20b. The first 10 bytes of a real ClientHello (its record header announces more), then nothing: closed at
    // the connect timeout, which also bounds the handshake.
    @ParameterizedTest
    @ValueSource(strings = {"mqtts", "mqttsPsk"})
    void partialClientHelloThenSilenceIsClosedAtTheConnectTimeout(String listener) throws Exception {
        byte[] hello = clientHello();
        assertEquals(0x16, hello[0], "a TLS handshake record");
        assertTrue(((hello[3] & 0xFF) << 8 | hello[4] & 0xFF) > 5, "the record announces more than is sent");
        assertClosedAtTheConnectTimeout(listener, Arrays.copyOf(hello, 10));
    }

    // Row 20b. A TCP connection that never says a word.
    @ParameterizedTest
    @ValueSource(strings = {"mqtts", "mqttsPsk"})
    void silenceAfterTcpConnectIsClosedAtTheConnectTimeout(String listener) throws Exception {
        assertClosedAtTheConnectTimeout(listener, new byte[0]);
    }

    /** Sends {@code bytes}; the server closes without a byte (no TLS alert) well before the connect timeout. */
    private static void assertClosedPromptly(String listener, byte[] bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port(listener))) {
            socket.getOutputStream().write(bytes);
            assertTrue(closedWithin(socket, PROMPTLY_MS), listener + ": still open after " + PROMPTLY_MS + " ms");
        }
    }

    /** Sends {@code bytes}; the server closes without a byte once the connect timeout has passed, not before. */
    private static void assertClosedAtTheConnectTimeout(String listener, byte[] bytes) throws IOException {
        long timeout = CONNECT_TIMEOUT.toMillis();
        try (Socket socket = new Socket("127.0.0.1", server.port(listener))) {
            long start = System.nanoTime();
            socket.getOutputStream().write(bytes);
            boolean closed = closedWithin(socket, (int) timeout + LATE_MS);
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            assertTrue(closed, listener + ": still open after " + elapsed + " ms");
            assertTrue(elapsed >= timeout - EARLY_MS,
                    listener + ": closed after " + elapsed + " ms, before the connect timeout");
        }
    }

    /** Reads until end of stream (or reset) or {@code timeoutMillis}; what arrived and whether it closed. */
    private static Outcome readUntilClosed(Socket socket, int timeoutMillis) throws IOException {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            while (true) {
                int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
                if (left <= 0) {
                    return new Outcome(received.toByteArray(), false);
                }
                socket.setSoTimeout(left);
                int n = in.read(buffer);
                if (n < 0) {
                    return new Outcome(received.toByteArray(), true);
                }
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            return new Outcome(received.toByteArray(), false);
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).contains("reset")) {
                return new Outcome(received.toByteArray(), true);
            }
            throw e;
        }
    }

    private record Outcome(byte[] received, boolean closed) {
    }

    /** True when nothing more arrives and the connection closes within {@code timeoutMillis}. */
    private static boolean closedWithin(Socket socket, int timeoutMillis) throws IOException {
        Outcome outcome = readUntilClosed(socket, timeoutMillis);
        assertEquals("", HexFormat.of().formatHex(outcome.received()), "bytes after the last expected one");
        return outcome.closed();
    }

    /** The first bytes a TLS client sends: a ClientHello record, from a JDK client engine's first wrap. */
    private static byte[] clientHello() throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine("localhost", 8883);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    private static void assertServed(SSLSocket socket, String listener) throws IOException {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(concat(connect(listener.equals("mqttsPsk")), publish("tls", 1, "{}")));
        assertArrayEquals(concat(CONNACK_ACCEPTED_V3, puback(1)), socket.getInputStream().readNBytes(8), listener);
    }

    private static SSLSocket pskSocket() throws Exception {
        SSLContext context = PskClients.context(USERNAME, PSK);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", server.port("mqttsPsk"));
        socket.setEnabledProtocols(new String[] {"TLSv1.2"});
        socket.setEnabledCipherSuites(new String[] {"TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"});
        return socket;
    }

    // --- WebSocket (RFC 6455) by hand ---

    /** A connection upgraded on {@code /mqtt} with subprotocol {@code mqtt}. */
    private static Socket webSocket() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port("ws"));
        socket.setSoTimeout(10_000);
        String head = upgrade(socket, "mqtt");
        assertTrue(head.startsWith("HTTP/1.1 101 "), head);
        return socket;
    }

    /** Sends an upgrade request for {@code /mqtt} offering {@code subprotocols} (none if null); the response head. */
    private static String upgrade(Socket socket, String subprotocols) throws IOException {
        socket.getOutputStream().write(("GET /mqtt HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (subprotocols == null ? "" : "Sec-WebSocket-Protocol: " + subprotocols + "\r\n") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the response head: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** A 400 without upgrade or subprotocol, whose JSON body says that subprotocol mqtt is required. */
    private static void assertRefusedWith400(Socket socket, String head) throws IOException {
        String lower = head.toLowerCase(Locale.ROOT);
        assertTrue(head.startsWith("HTTP/1.1 400 Bad Request\r\n"), head);
        assertFalse(lower.contains("sec-websocket-protocol"), head);
        assertFalse(lower.contains("upgrade: websocket"), head);
        assertTrue(lower.contains("content-type: application/json\r\n"), head);
        Matcher length = Pattern.compile("(?i)\r\ncontent-length: (\\d+)\r\n").matcher(head);
        assertTrue(length.find(), head);
        String body = new String(socket.getInputStream().readNBytes(Integer.parseInt(length.group(1))),
                StandardCharsets.UTF_8);
        assertEquals("{\"message\":\"a WebSocket upgrade with subprotocol mqtt or mqttv3.1 is required\"}", body);
    }

    /** A masked client frame (clients must mask, RFC 6455 section 5.3), payload below 126 bytes. */
    private static void sendFrame(Socket socket, int opcode, boolean fin, byte[] payload) throws IOException {
        assertTrue(payload.length < 126, "short frames only");
        byte[] mask = {0x37, (byte) 0xFA, 0x21, 0x3D};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        frame.write(0x80 | payload.length);
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        socket.getOutputStream().write(frame.toByteArray());
    }

    /** A server frame: the first byte (FIN and opcode) and the unmasked payload. */
    private record Frame(int header, byte[] payload) {

        int status() {
            return (payload[0] & 0xFF) << 8 | payload[1] & 0xFF;
        }

        String reason() {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private static Frame readFrame(InputStream in) throws IOException {
        int header = in.read();
        int second = in.read();
        if (header < 0 || second < 0) {
            throw new IOException("closed before a frame");
        }
        assertEquals(0, second & 0x80, "server frames are not masked");
        long length = second & 0x7F;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        } else if (length == 127) {
            length = ByteBuffer.wrap(in.readNBytes(8)).getLong();
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new IOException("closed inside a frame");
        }
        return new Frame(header, payload);
    }

    /** Reads binary frames until they have carried {@code n} MQTT bytes. */
    private static byte[] readMqtt(InputStream in, int n) throws IOException {
        ByteArrayOutputStream mqtt = new ByteArrayOutputStream();
        while (mqtt.size() < n) {
            Frame frame = readFrame(in);
            assertEquals(0x80 | BINARY, frame.header(), "a binary frame");
            mqtt.writeBytes(frame.payload());
        }
        return mqtt.toByteArray();
    }

    // --- MQTT 3.1.1 ---

    private static byte[] connect() {
        return connect(false);
    }

    /** A CONNECT with clean session; on the PSK listener without username, the PSK identity is the credential. */
    private static byte[] connect(boolean psk) {
        String clientId = "transport-" + CLIENT_IDS.incrementAndGet();
        return psk ? RawMqttClient.connect("MQTT", 4, clientId, null, null, 30)
                : RawMqttClient.connect("MQTT", 4, clientId, USERNAME, PASSWORD, 30);
    }

    private static byte[] publish(String topic, int packetId, String payload) {
        return RawMqttClient.publishV3(topic, 1, packetId, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] puback(int packetId) {
        return new byte[] {0x40, 0x02, (byte) (packetId >> 8), (byte) packetId};
    }

    private static String json(String marker) {
        return "\"" + marker + "\"";
    }

    /** Acknowledged means written: the event is in the file sink already. */
    private static void assertInSink(String marker) throws IOException {
        assertTrue(server.events().stream().anyMatch(e -> e.toString().contains(marker)), "no event with " + marker);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
