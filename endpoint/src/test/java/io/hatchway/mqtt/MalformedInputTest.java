package io.hatchway.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed and hostile input, as raw bytes over a real socket (issue 7, "Hardening", section 1). Every test asserts
 * the exact answer (a close without a reply, or the exact CONNACK / DISCONNECT code) and then that the server still
 * serves a well-behaved client. Packets are encoded by hand so that the malformed parts are exactly what is sent.
 */
class MalformedInputTest {

    /**
     * Far below the connect timeout: a close within this time is the server's answer to the bytes, not the timeout
     * for a connection that never completed its CONNECT.
     */
    private static final int PROMPTLY_MS = 5_000;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private static final String USERNAME = "device1@my-app";
    private static final String PASSWORD = "hey-rodney";

    /** CONNECT flags (MQTT 3.1.1 / 5 section 3.1.2.3). */
    private static final int CLEAN = 0x02;
    private static final int WILL = 0x04;
    private static final int WILL_QOS_3 = 0x18;
    private static final int WILL_RETAIN = 0x20;
    private static final int PASSWORD_FLAG = 0x40;
    private static final int USERNAME_FLAG = 0x80;
    private static final int LOGIN = USERNAME_FLAG | PASSWORD_FLAG;

    private static final byte[] CONNACK_ACCEPTED_V3 = {0x20, 0x02, 0x00, 0x00};

    /** U+0000 [MQTT-1.5.3-2], a UTF-16 surrogate encoded in UTF-8 and an overlong NUL [MQTT-1.5.3-1]. */
    private static final List<byte[]> ILL_FORMED = List.of(
            new byte[] {'a', 0x00, 'b'},
            new byte[] {'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80, 'b'},
            new byte[] {'a', (byte) 0xC0, (byte) 0x80, 'b'});

    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, TestServer.REGISTRY, CONNECT_TIMEOUT, Optional.empty());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** After every row: a normal CONNECT gets CONNACK success and a QoS 1 PUBLISH gets its PUBACK. */
    @AfterEach
    void serverStillServesAWellBehavedClient() throws IOException {
        try (RawMqttClient client = new RawMqttClient(server.mqttPort())) {
            client.send(connect("MQTT", 4, CLEAN | LOGIN, str(clientId()), str(USERNAME), str(PASSWORD)));
            assertArrayEquals(CONNACK_ACCEPTED_V3, client.readPacket());
            client.send(publish(1, str("temp"), 42, false));
            assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 42}, client.readPacket());
        }
    }

    // Row 1. A client's first packet must be CONNECT [MQTT-3.1.0-1]; the size a packet declares is not allocated.
    @Test
    void nonConnectFirstPacketDeclaring256MegabytesIsClosedAtOnceWithoutConnack() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            byte[] junk = new byte[4096];
            Arrays.fill(junk, (byte) 0x5A);
            // PUBLISH declaring 268,435,455 bytes, the largest remaining length there is (FF FF FF 7F).
            raw.send(concat(new byte[] {0x30}, remainingLength(268_435_455), junk));
            assertTrue(raw.closedWithin(PROMPTLY_MS), "still open: the server waits for the 256 MB");
        }
    }

    // Row 2. The remaining length is at most four bytes [MQTT-1.5.5] / 3.1.1 section 2.2.3: a fifth is malformed.
    @Test
    void remainingLengthInFiveBytesIsClosedWithoutConnack() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(new byte[] {0x10, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01});
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    @Test
    void remainingLengthInFiveBytesAfterConnectGetsDisconnectMalformedPacketOnMqtt5AndCloseOnMqtt311()
            throws IOException {
        byte[] fiveByteLength = {0x30, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        try (RawMqttClient raw = connectedV5()) {
            raw.send(fiveByteLength);
            assertDisconnect(0x81, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
        try (RawMqttClient raw = connectedV3()) {
            raw.send(fiveByteLength);
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 4. A packet above the Maximum Packet Size the server advertised is a protocol error: DISCONNECT 0x95
    // (MQTT 5 section 3.2.2.3.6); 3.1.1 has no such code, the connection is closed.
    @Test
    void packetAboveTheMaximumPacketSizeGetsDisconnectPacketTooLargeOnMqtt5AndCloseOnMqtt311() throws IOException {
        // Declares a PUBLISH of 300,000 bytes (the server's maximum is 262,144) and sends only its start.
        byte[] oversized = concat(new byte[] {0x30}, remainingLength(300_000), str("temp"));
        try (RawMqttClient raw = connectedV5()) {
            raw.send(oversized);
            assertDisconnect(0x95, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
        try (RawMqttClient raw = connectedV3()) {
            raw.send(oversized);
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 4. The Maximum Packet Size counts the whole packet, fixed header included (MQTT 5 section 3.2.2.3.6):
    // a PUBLISH of exactly 262,144 bytes is taken, one byte more is too large.
    @Test
    void maximumPacketSizeCountsTheWholePacket() throws IOException {
        int max = 262_144;
        try (RawMqttClient raw = connectedV5()) {
            raw.send(publishOfTotalSize(max, 1));
            byte[] ack = raw.readPacket();
            assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 0x01}, ack, "PUBACK success: " + new String(ack, java.nio.charset.StandardCharsets.ISO_8859_1));
            // The size is refused from the header: the rest is not even sent (the server closes while it would be).
            raw.send(Arrays.copyOf(publishOfTotalSize(max + 1, 2), 64));
            assertDisconnect(0x95, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    /** An MQTT 5 QoS 1 PUBLISH to {@code blob} with a binary payload, {@code total} bytes in all. */
    private static byte[] publishOfTotalSize(int total, int packetId) {
        byte[] head = concat(str("blob"), new byte[] {(byte) (packetId >> 8), (byte) packetId, 0x00});
        // Fixed header: 1 byte of type and flags, then the remaining length in 3 bytes (16,384 .. 2,097,151).
        byte[] payload = new byte[total - 1 - 3 - head.length];
        java.util.Arrays.fill(payload, (byte) 0xFF);
        byte[] packet = packet(0x32, concat(head, payload));
        assertEquals(total, packet.length);
        return packet;
    }

    // Row 5. A protocol name other than "MQTT" may be closed without CONNACK [MQTT-3.1.2-1].
    @Test
    void protocolNameHjIsClosedWithoutConnack() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connect("hj", 4, CLEAN | LOGIN, str("hj"), str(USERNAME), str(PASSWORD)));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 6. An unsupported level gets "unacceptable protocol version" and a close [MQTT-3.1.2-2]: 3.1.1 form 0x01
    // for level 2, MQTT 5 form 0x84 (with an empty property length) for level 6.
    @Test
    void protocolLevel2GetsConnack01AndLevel6GetsMqtt5Connack84() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connect("MQTT", 2, CLEAN | LOGIN, str("level2"), str(USERNAME), str(PASSWORD)));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x01}, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connect("MQTT", 6, CLEAN | LOGIN, str("level6"), str(USERNAME), str(PASSWORD)));
            assertArrayEquals(new byte[] {0x20, 0x03, 0x00, (byte) 0x84, 0x00}, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 7. The reserved CONNECT flag must be 0 [MQTT-3.1.2-3].
    @Test
    void reservedConnectFlagIsClosedWithoutConnack() throws IOException {
        for (int level : new int[] {4, 5}) {
            try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                raw.send(connect("MQTT", level, CLEAN | LOGIN | 0x01, str("reserved"), str(USERNAME), str(PASSWORD)));
                assertTrue(raw.closedWithin(PROMPTLY_MS), "level " + level);
            }
        }
    }

    // Row 7. Will QoS must not be 3 [MQTT-3.1.2-14]; MQTT 5 calls it a Malformed Packet.
    @Test
    void willQos3IsClosedWithoutConnack() throws IOException {
        for (int level : new int[] {4, 5}) {
            try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                byte[] willProperties = level == 5 ? new byte[] {0x00} : new byte[0];
                raw.send(connect("MQTT", level, CLEAN | WILL | WILL_QOS_3 | LOGIN, str("will3"),
                        willProperties, str("will/topic"), str("bye"), str(USERNAME), str(PASSWORD)));
                assertTrue(raw.closedWithin(PROMPTLY_MS), "level " + level);
            }
        }
    }

    // Row 7. Without the will flag, will QoS and will retain must be 0 [MQTT-3.1.2-11, MQTT-3.1.2-13].
    @Test
    void willQosOrRetainWithoutTheWillFlagIsClosedWithoutConnack() throws IOException {
        for (int level : new int[] {4, 5}) {
            for (int flags : new int[] {0x08, 0x10, WILL_RETAIN}) {
                try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                    raw.send(connect("MQTT", level, CLEAN | LOGIN | flags, str("no-will"), str(USERNAME),
                            str(PASSWORD)));
                    assertTrue(raw.closedWithin(PROMPTLY_MS), "level " + level + ", flags " + flags);
                }
            }
        }
    }

    // Row 7. MQTT 3.1.1: if the User Name Flag is 0, the Password Flag must be 0 [MQTT-3.1.2-22].
    @Test
    void passwordFlagWithoutUsernameOnMqtt311IsClosedWithoutConnack() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connect("MQTT", 4, CLEAN | PASSWORD_FLAG, str(USERNAME), str(PASSWORD)));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 8. A second CONNECT is a protocol violation [MQTT-3.1.0-2]: MQTT 5 DISCONNECT 0x82, MQTT 3.1.1 close.
    @Test
    void secondConnectGetsDisconnectProtocolErrorOnMqtt5AndCloseOnMqtt311() throws IOException {
        try (RawMqttClient raw = connectedV5()) {
            raw.send(connect("MQTT", 5, CLEAN | LOGIN, str("again"), str(USERNAME), str(PASSWORD)));
            assertDisconnect(0x82, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
        try (RawMqttClient raw = connectedV3()) {
            raw.send(connect("MQTT", 4, CLEAN | LOGIN, str("again"), str(USERNAME), str(PASSWORD)));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 9. MQTT 3.1.1: an empty client id with clean session 0 gets 0x02 Identifier rejected and a close
    // [MQTT-3.1.3-8]. MQTT 5 allows it, but Hatchway refuses every clean start 0 with 0x83 and a reason string.
    @Test
    void emptyClientIdWithCleanSessionFalseGetsConnack02OnMqtt311And83OnMqtt5() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connect("MQTT", 4, LOGIN, str(""), str(USERNAME), str(PASSWORD)));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x02}, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connect("MQTT", 5, LOGIN, str(""), str(USERNAME), str(PASSWORD)));
            byte[] connack = raw.readPacket();
            assertEquals(0x20, connack[0]);
            assertEquals(0x00, connack[2], "session present");
            assertEquals((byte) 0x83, connack[3]);
            assertTrue(new String(connack, StandardCharsets.UTF_8).contains("clean session / clean start must be true"),
                    "reason string: " + hex(connack));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 10. Strings must be well-formed UTF-8 [MQTT-1.5.3-1] without U+0000 [MQTT-1.5.3-2]; otherwise the
    // packet is malformed and the connection is closed. A malformed CONNECT gets no CONNACK here (MQTT 5 allows,
    // but does not require, a CONNACK 0x81 [MQTT-3.1.4-1]).
    @Test
    void illFormedUtf8InClientIdIsClosedWithoutConnack() throws IOException {
        for (byte[] bad : ILL_FORMED) {
            for (int level : new int[] {4, 5}) {
                try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                    raw.send(connect("MQTT", level, CLEAN | LOGIN, bin(bad), str(USERNAME), str(PASSWORD)));
                    assertTrue(raw.closedWithin(PROMPTLY_MS), "level " + level + ", " + hex(bad));
                }
            }
        }
    }

    @Test
    void illFormedUtf8InUsernameIsClosedWithoutConnack() throws IOException {
        for (byte[] bad : ILL_FORMED) {
            for (int level : new int[] {4, 5}) {
                try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                    raw.send(connect("MQTT", level, CLEAN | LOGIN, str("utf-user"), bin(bad), str(PASSWORD)));
                    assertTrue(raw.closedWithin(PROMPTLY_MS), "level " + level + ", " + hex(bad));
                }
            }
        }
    }

    // Once connected, MQTT 5 says why: DISCONNECT 0x81 Malformed Packet; MQTT 3.1.1 closes.
    @Test
    void illFormedUtf8InTopicGetsDisconnectMalformedPacketOnMqtt5AndCloseOnMqtt311() throws IOException {
        for (byte[] bad : ILL_FORMED) {
            try (RawMqttClient raw = connectedV5()) {
                raw.send(publish(1, bin(bad), 1, true));
                assertDisconnect(0x81, raw.readPacket());
                assertTrue(raw.closedWithin(PROMPTLY_MS), hex(bad));
            }
            try (RawMqttClient raw = connectedV3()) {
                raw.send(publish(1, bin(bad), 1, false));
                assertTrue(raw.closedWithin(PROMPTLY_MS), hex(bad));
            }
        }
    }

    // Row 11. Wildcards mean nothing outside topic filters [MQTT-4.7.1-1]: a user name "device1#" or "+" is an
    // unknown device (bad user name or password), not a pattern.
    @Test
    void wildcardInUsernameIsAnUnknownDevice() throws IOException {
        for (String username : List.of("device1#@my-app", "+@my-app", "#@my-app")) {
            try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                raw.send(connect("MQTT", 4, CLEAN | LOGIN, str(clientId()), str(username), str(PASSWORD)));
                assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x04}, raw.readPacket(), username);
                assertTrue(raw.closedWithin(PROMPTLY_MS), username);
            }
        }
    }

    // Row 11. A client id is only a name [MQTT-3.1.3-5]: "#" connects as device1 and may publish only as device1.
    @Test
    void wildcardClientIdPublishesOnlyAsTheAuthenticatedDevice() throws IOException {
        for (String id : List.of("#", "+")) {
            try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                raw.send(connect("MQTT", 5, CLEAN | LOGIN, str(id), str(USERNAME), str(PASSWORD)));
                assertEquals(0x00, raw.readPacket()[3], "CONNACK reason code");
                raw.send(publish(1, str("temp"), 1, true));
                assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 1}, raw.readPacket());
                raw.send(publish(1, str("temp/lonely"), 2, true));
                assertPubAck(2, 0x87, raw.readPacket());
            }
        }
    }

    // Row 12. QoS bits 11 are malformed [MQTT-3.3.1-4]: MQTT 5 DISCONNECT 0x81, MQTT 3.1.1 close.
    @Test
    void publishWithQos3GetsDisconnectMalformedPacketOnMqtt5AndCloseOnMqtt311() throws IOException {
        assertMalformedPublish(0x81, 0x36, str("temp"), new byte[] {0x00, 0x01});
    }

    // Row 12. A QoS 1 PUBLISH needs a non-zero packet identifier [MQTT-2.2.1-3].
    @Test
    void publishQos1WithPacketId0GetsDisconnectMalformedPacketOnMqtt5AndCloseOnMqtt311() throws IOException {
        assertMalformedPublish(0x81, 0x32, str("temp"), new byte[] {0x00, 0x00});
    }

    // Row 12. The DUP flag must be 0 for QoS 0 [MQTT-3.3.1-2]; MQTT 5 section 4.13 makes it a Protocol Error.
    @Test
    void publishQos0WithDupGetsDisconnectProtocolErrorOnMqtt5AndCloseOnMqtt311() throws IOException {
        assertMalformedPublish(0x82, 0x38, str("temp"), new byte[0]);
    }

    // Row 13. A topic name must not contain wildcards [MQTT-3.3.2-2].
    @Test
    void wildcardInPublishTopicGetsDisconnectOnMqtt5AndCloseOnMqtt311() throws IOException {
        for (String topic : List.of("temp/+", "#", "te+mp")) {
            assertMalformedPublish(0x81, 0x32, str(topic), new byte[] {0x00, 0x01});
        }
    }

    // Row 13. An empty topic name without a topic alias [MQTT-3.3.2-1], MQTT 5 section 3.3.2.3.4.
    @Test
    void emptyPublishTopicGetsTopicNameInvalidOnMqtt5AndCloseOnMqtt311() throws IOException {
        try (RawMqttClient raw = connectedV5()) {
            raw.send(publish(1, str(""), 7, true));
            assertPubAck(7, 0x90, raw.readPacket());
        }
        try (RawMqttClient raw = connectedV3()) {
            raw.send(publish(1, str(""), 7, false));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 13. The longest string there is [MQTT-1.5.4], made of 65,535 '/': more than two levels, topic invalid.
    @Test
    void topicOf65535SlashesGetsTopicNameInvalidOnMqtt5AndCloseOnMqtt311() throws IOException {
        String slashes = "/".repeat(65_535);
        try (RawMqttClient raw = connectedV5()) {
            raw.send(publish(1, str(slashes), 8, true));
            assertPubAck(8, 0x90, raw.readPacket());
        }
        try (RawMqttClient raw = connectedV3()) {
            raw.send(publish(1, str(slashes), 8, false));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 14. A property that runs past the end of its property section is malformed (MQTT 5 section 2.2.2): the
    // length says 3 bytes, the Content Type in it takes 13; nothing of the payload is taken for it.
    @Test
    void propertyRunningPastItsSectionGetsDisconnectMalformedPacket() throws IOException {
        byte[] contentType = concat(new byte[] {0x03}, str("text/plain"));
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(0x32, concat(str("temp"), new byte[] {0x00, 0x01}, new byte[] {0x03}, contentType,
                    "{}".getBytes(StandardCharsets.UTF_8))));
            assertDisconnect(0x81, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 14. A property section longer than the packet, as the last packet sent: answered at once, not after the
    // next bytes (Netty's decoder alone would wait for them and read them as the rest of the property).
    @Test
    void propertySectionLongerThanThePacketGetsDisconnectMalformedPacketAtOnce() throws IOException {
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(0x32, concat(str("temp"), new byte[] {0x00, 0x01}, new byte[] {0x40, 0x03, 0x00, 0x30})));
            assertDisconnect(0x81, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 14, in a CONNECT: the section says 3 bytes, the Session Expiry Interval in it takes 5. Malformed: closed
    // without CONNACK (the login after it is never read as part of the property).
    @Test
    void connectPropertyRunningPastItsSectionIsClosedWithoutConnack() throws IOException {
        byte[] header = concat(str("MQTT"), new byte[] {5, (byte) (CLEAN | LOGIN), 0x00, 30});
        byte[] properties = {0x03, 0x11, 0x00, 0x00};
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(packet(0x10, concat(header, properties, str(clientId()), str(USERNAME), str(PASSWORD))));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 14, in a SUBSCRIBE: a Subscription Identifier without its value inside a 1-byte section. DISCONNECT 0x81.
    @Test
    void subscribePropertyRunningPastItsSectionGetsDisconnectMalformedPacket() throws IOException {
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(0x82, concat(new byte[] {0x00, 0x01}, properties(new byte[] {0x0B}),
                    str("command/inbox//#"), new byte[] {0x01})));
            assertDisconnect(0x81, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    // Row 14. An identifier not valid for the packet is malformed (MQTT 5 section 2.2.2.2): 0x7F is none at all.
    @Test
    void unknownPropertyIdGetsDisconnectMalformedPacket() throws IOException {
        assertPublishPropertiesRefused(0x81, new byte[] {0x7F, 0x00});
    }

    // Row 14. A client's PUBLISH must not carry a Subscription Identifier [MQTT-3.3.4-6]: Protocol Error.
    @Test
    void subscriptionIdentifierFromClientGetsDisconnectProtocolError() throws IOException {
        assertPublishPropertiesRefused(0x82, new byte[] {0x0B, 0x01});
    }

    // Row 14. The Payload Format Indicator is 0 or 1 (MQTT 5 section 3.3.2.3.2); 2 is a Protocol Error.
    @Test
    void payloadFormatIndicator2GetsDisconnectProtocolError() throws IOException {
        assertPublishPropertiesRefused(0x82, new byte[] {0x01, 0x02});
    }

    // Row 14. A property other than User Property may appear once (MQTT 5 section 3.3.2.3): Protocol Error.
    @Test
    void repeatedPropertyGetsDisconnectProtocolError() throws IOException {
        assertPublishPropertiesRefused(0x82, new byte[] {0x01, 0x00, 0x01, 0x00});
        byte[] contentType = concat(new byte[] {0x03}, str("text/plain"));
        assertPublishPropertiesRefused(0x82, concat(contentType, contentType));
    }

    // Row 14. User properties may repeat, even with the same key [MQTT-3.3.2-18]; with other properties around them.
    @Test
    void repeatedUserPropertiesAreAccepted() throws IOException {
        byte[] user = concat(new byte[] {0x26}, str("k"), str("v"));
        byte[] properties = concat(user, user, new byte[] {0x01, 0x01}, new byte[] {0x03}, str("text/plain"),
                new byte[] {0x02, 0, 0, 0, 60}, new byte[] {0x09}, bin(new byte[] {1, 2, 3}), user);
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(0x32, concat(str("text"), new byte[] {0x00, 7}, properties(properties),
                    "hello".getBytes(StandardCharsets.UTF_8))));
            assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 7}, raw.readPacket());
        }
    }

    // Row 14. Topic Alias 0 is not permitted [MQTT-3.3.2-8], and none above the advertised maximum 0 [MQTT-3.3.2-9].
    @Test
    void topicAlias0Or1GetsDisconnectTopicAliasInvalid() throws IOException {
        assertPublishPropertiesRefused(0x94, new byte[] {0x23, 0x00, 0x00});
        assertPublishPropertiesRefused(0x94, new byte[] {0x23, 0x00, 0x01});
    }

    // Row 15. A property length above 127 takes two bytes [MQTT-1.5.5]: the payload still arrives unchanged.
    @Test
    void payloadAfterPropertiesLongerThan127BytesReachesTheSinkUnchanged() throws IOException {
        String marker = "long-properties-" + clientId();
        byte[] payload = concat(marker.getBytes(StandardCharsets.UTF_8), new byte[] {0x00, (byte) 0xFF, 0x7F});
        byte[] userProperty = concat(new byte[] {0x26}, str("k".repeat(100)), str("v".repeat(100)));
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(0x32, concat(str("blob"), new byte[] {0x00, 9}, properties(userProperty), payload)));
            assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 9}, raw.readPacket());
        }
        // Acknowledged means written: the event is in the file sink now.
        JsonNode event = server.events().stream().filter(e -> e.has("data_base64")
                && Arrays.equals(payload, Base64.getDecoder().decode(e.get("data_base64").asText())))
                .findFirst().orElseThrow(() -> new AssertionError("payload not in the sink unchanged"));
        assertEquals("application/octet-stream", event.get("datacontenttype").asText());
    }

    // Row 16. User properties may repeat [MQTT-3.3.2-18]: 10,000 of them in one PUBLISH are accepted.
    @Test
    void tenThousandUserPropertiesAreAccepted() throws IOException {
        byte[][] userProperties = new byte[10_000][];
        Arrays.fill(userProperties, concat(new byte[] {0x26}, str("k"), str("v")));
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(0x32, concat(str("temp"), new byte[] {0x00, 10}, properties(concat(userProperties)),
                    "{}".getBytes(StandardCharsets.UTF_8))));
            assertArrayEquals(new byte[] {0x40, 0x02, 0x00, 10}, raw.readPacket());
        }
    }

    // Row 17. PINGREQ has flags 0000 and no remaining length [MQTT-2.2.2-2]; packet type 0 is reserved (2.1.2).
    @Test
    void pingreqWithFlagsOrBodyAndPacketType0GetDisconnectMalformedPacketOnMqtt5AndCloseOnMqtt311()
            throws IOException {
        for (byte[] bad : List.of(new byte[] {(byte) 0xC1, 0x00}, new byte[] {(byte) 0xC0, 0x01, 0x00},
                new byte[] {0x00, 0x00})) {
            try (RawMqttClient raw = connectedV5()) {
                raw.send(bad);
                assertDisconnect(0x81, raw.readPacket());
                assertTrue(raw.closedWithin(PROMPTLY_MS), hex(bad));
            }
            try (RawMqttClient raw = connectedV3()) {
                raw.send(bad);
                assertTrue(raw.closedWithin(PROMPTLY_MS), hex(bad));
            }
        }
    }

    // Row 18. Nothing for 1.5 times the keep-alive closes the connection [MQTT-3.1.2-24]: MQTT 5 DISCONNECT 0x8D.
    @Test
    void silenceLongerThanOneAndAHalfKeepAlivesGetsDisconnectKeepAliveTimeout() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 5, clientId(), USERNAME, PASSWORD, 1));
            assertEquals(0x00, raw.readPacket()[3], "CONNACK reason code");
            assertDisconnect(0x8D, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 4, clientId(), USERNAME, PASSWORD, 1));
            assertArrayEquals(CONNACK_ACCEPTED_V3, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    /** Sends header, topic and packet id: MQTT 5 gets DISCONNECT {@code reasonCode}, MQTT 3.1.1 a close. */
    private static void assertMalformedPublish(int reasonCode, int header, byte[] topic, byte[] packetId)
            throws IOException {
        byte[] payload = "{}".getBytes(StandardCharsets.UTF_8);
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(header, concat(topic, packetId, new byte[] {0x00}, payload)));
            assertDisconnect(reasonCode, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
        try (RawMqttClient raw = connectedV3()) {
            raw.send(packet(header, concat(topic, packetId, payload)));
            assertTrue(raw.closedWithin(PROMPTLY_MS));
        }
    }

    /** A QoS 1 PUBLISH to "temp" with the property section {@code body} gets DISCONNECT {@code reasonCode}. */
    private static void assertPublishPropertiesRefused(int reasonCode, byte[] body) throws IOException {
        try (RawMqttClient raw = connectedV5()) {
            raw.send(packet(0x32, concat(str("temp"), new byte[] {0x00, 0x01}, properties(body),
                    "{}".getBytes(StandardCharsets.UTF_8))));
            assertDisconnect(reasonCode, raw.readPacket());
            assertTrue(raw.closedWithin(PROMPTLY_MS), hex(body));
        }
    }

    /** An MQTT 5 PUBACK for {@code packetId} with {@code reasonCode}. */
    private static void assertPubAck(int packetId, int reasonCode, byte[] packet) {
        assertEquals(0x40, packet[0], "packet type: " + hex(packet));
        assertEquals((byte) packetId, packet[3], "packet id: " + hex(packet));
        assertEquals((byte) reasonCode, packet[4], "reason code: " + hex(packet));
    }

    /** An MQTT 5 property section: its variable byte integer length, then the properties. */
    private static byte[] properties(byte[] body) {
        return concat(remainingLength(body.length), body);
    }

    private static RawMqttClient connectedV3() throws IOException {
        RawMqttClient raw = new RawMqttClient(server.mqttPort());
        raw.send(connect("MQTT", 4, CLEAN | LOGIN, str(clientId()), str(USERNAME), str(PASSWORD)));
        assertArrayEquals(CONNACK_ACCEPTED_V3, raw.readPacket());
        return raw;
    }

    private static RawMqttClient connectedV5() throws IOException {
        RawMqttClient raw = new RawMqttClient(server.mqttPort());
        raw.send(connect("MQTT", 5, CLEAN | LOGIN, str(clientId()), str(USERNAME), str(PASSWORD)));
        byte[] connack = raw.readPacket();
        assertEquals(0x20, connack[0]);
        assertEquals(0x00, connack[3], "CONNACK reason code");
        return raw;
    }

    /** An MQTT 5 DISCONNECT with {@code reasonCode} (and any properties). */
    private static void assertDisconnect(int reasonCode, byte[] packet) {
        assertEquals((byte) 0xE0, packet[0], "packet type: " + hex(packet));
        assertEquals((byte) reasonCode, packet[2], "reason code: " + hex(packet));
    }

    private static String clientId() {
        return "malformed-" + CLIENT_IDS.incrementAndGet();
    }

    /**
     * A CONNECT: protocol name, level, flags exactly as given, keep-alive 30, an empty property length on level 5,
     * then the payload fields as given (already encoded: client id, will properties/topic/message, username,
     * password).
     */
    private static byte[] connect(String protocolName, int level, int flags, byte[]... payload) {
        byte[] header = concat(str(protocolName), new byte[] {(byte) level, (byte) flags, 0x00, 30});
        byte[] properties = level == 5 ? new byte[] {0x00} : new byte[0];
        return packet(0x10, concat(header, properties, concat(payload)));
    }

    /** A PUBLISH of {@code {}} with the encoded topic; QoS 1 and 2 carry {@code packetId}. */
    private static byte[] publish(int qos, byte[] topic, int packetId, boolean v5) {
        byte[] id = qos > 0 ? new byte[] {(byte) (packetId >> 8), (byte) packetId} : new byte[0];
        byte[] properties = v5 ? new byte[] {0x00} : new byte[0];
        return packet(0x30 | qos << 1, concat(topic, id, properties, "{}".getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] packet(int header, byte[] body) {
        return concat(new byte[] {(byte) header}, remainingLength(body.length), body);
    }

    /** The variable byte integer of MQTT section 1.5.5 / 3.1.1 section 2.2.3: 7 bits a byte, low bits first. */
    private static byte[] remainingLength(int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        return out.toByteArray();
    }

    /** A UTF-8 encoded string: two-byte big-endian length, then the bytes. */
    private static byte[] str(String s) {
        return bin(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Raw bytes with the two-byte length prefix of a string, whatever the bytes are. */
    private static byte[] bin(byte[] bytes) {
        return concat(new byte[] {(byte) (bytes.length >> 8), (byte) bytes.length}, bytes);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append(String.format("%02X ", b));
        }
        return s.toString().trim();
    }
}
