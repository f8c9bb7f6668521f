package io.hatchway.mqtt;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits and quotas (issue 7, section 2, and the keep-alive cap of row 18), against a real server: the reason codes
 * a client sees, that what was accepted reaches the sink and what was refused does not.
 */
class LimitsTest {

    private static final MqttLimits LIMITS = new MqttLimits(Duration.ofSeconds(2), 100_000, 64, 4,
            Duration.ofMillis(500), 1_000, 3, Duration.ofMinutes(1));

    private static final String BCRYPT_PASSWORD = "bcrypt-secret";

    private static final String REGISTRY = """
            applications:
              - metadata: { name: my-app }
              - metadata: { name: plain-app }
                spec: { mqtt: { dialect: plainTopic } }
              - metadata: { name: quota-app }
                spec: { mqtt: { maxConnections: 2, maxPayloadSize: 16 } }
              - metadata: { name: rate-app }
                spec: { mqtt: { rateLimit: { messagesPerSecond: 4 } } }
            devices:
              - metadata: { name: device1, application: my-app }
                spec: { authentication: { credentials: [ { pass: hey-rodney } ] } }
              - metadata: { name: device2, application: my-app }
                spec: { authentication: { credentials: [ { pass: two } ] } }
              - metadata: { name: device3, application: my-app }
                spec: { authentication: { credentials: [ { pass: three } ] } }
              - metadata: { name: hashed, application: my-app }
                spec: { authentication: { credentials: [ { pass: { bcrypt: "%s" } } ] } }
              - metadata: { name: roamer, application: my-app }
                spec: { authentication: { credentials: [ { pass: its-secret } ] } }
              - metadata: { name: neighbour, application: my-app }
                spec: { authentication: { credentials: [ { pass: right } ] } }
              - metadata: { name: watched, application: my-app }
                spec: { authentication: { credentials: [ { pass: its-own } ] } }
              - metadata: { name: guessed, application: my-app }
                spec: { authentication: { credentials: [ { pass: guessed-right } ] } }
              - metadata: { name: p1, application: plain-app }
                spec: { authentication: { credentials: [ { pass: p } ] } }
              - metadata: { name: q1, application: quota-app }
                spec: { authentication: { credentials: [ { pass: q } ] } }
              - metadata: { name: q2, application: quota-app }
                spec: { authentication: { credentials: [ { pass: q } ] } }
              - metadata: { name: q3, application: quota-app }
                spec: { authentication: { credentials: [ { pass: q } ] } }
              - metadata: { name: r1, application: rate-app }
                spec: { authentication: { credentials: [ { pass: r } ] } }
            """.formatted(BCrypt.withDefaults().hashToString(10, BCRYPT_PASSWORD.toCharArray()));

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = start(dir, LIMITS);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static TestServer start(Path directory, MqttLimits limits) throws Exception {
        return TestServer.start(directory, REGISTRY, Duration.ofSeconds(10), Optional.empty(),
                config -> config.withMqtt(config.mqtt().withLimits(limits)));
    }

    // --- keep-alive (row 18) ---

    @Test
    void keepAliveOffOrAboveTheMaximumIsReplacedByServerKeepAlive() {
        for (int requested : new int[] {0, 600}) {
            Mqtt5BlockingClient client = Clients.v5(server);
            Mqtt5ConnAck ack = client.connectWith().keepAlive(requested).simpleAuth().username("device1@my-app")
                    .password(bytes("hey-rodney")).applySimpleAuth().send();
            assertEquals(OptionalInt.of(2), ack.getServerKeepAlive(), "keep-alive " + requested);
            client.disconnect();
        }
        Mqtt5BlockingClient within = Clients.v5(server);
        Mqtt5ConnAck ack = within.connectWith().keepAlive(1).simpleAuth().username("device1@my-app")
                .password(bytes("hey-rodney")).applySimpleAuth().send();
        assertEquals(OptionalInt.empty(), ack.getServerKeepAlive(), "a keep-alive within the maximum is kept");
        within.disconnect();
    }

    @Test
    void silentMqtt5ClientWithKeepAliveOffIsDisconnectedAfterOneAndAHalfMaxKeepAlive() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            long start = System.nanoTime(); // before the CONNECT: the server's silence starts after it
            raw.send(RawMqttClient.connect("MQTT", 5, "silent-5", "device1@my-app", "hey-rodney", 0));
            assertEquals(0x00, raw.readPacket()[3], "CONNACK reason code");
            byte[] disconnect = raw.readPacket();
            long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals((byte) 0xE0, disconnect[0], "a DISCONNECT");
            assertEquals((byte) 0x8D, disconnect[2], "Keep Alive timeout");
            assertTrue(silentMillis >= 2_900, "not before 1.5 x maxKeepAlive (3 s): " + silentMillis + " ms");
            assertTrue(raw.closedWithin(2_000));
        }
    }

    @Test
    void silentMqtt311ClientWithKeepAliveOffIsClosedAfterOneAndAHalfMaxKeepAlive() throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            long start = System.nanoTime(); // before the CONNECT: the server's silence starts after it
            raw.send(RawMqttClient.connect("MQTT", 4, "silent-3", "device1@my-app", "hey-rodney", 0));
            assertEquals(0x00, raw.readPacket()[3], "CONNACK return code");
            assertTrue(raw.closedWithin(8_000), "closed although keep-alive 0 asks for none");
            long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(silentMillis >= 2_900, "not before 1.5 x maxKeepAlive (3 s): " + silentMillis + " ms");
        }
    }

    // --- connections ---

    @Test
    void applicationMaxConnectionsRefusesOneDeviceMoreWithQuotaExceeded() {
        Mqtt5BlockingClient q1 = Clients.connectedV5(server, "q1@quota-app", "q");
        Mqtt5BlockingClient q2 = Clients.connectedV5(server, "q2@quota-app", "q");

        Mqtt5ConnAckException refused5 = assertThrows(Mqtt5ConnAckException.class,
                () -> Clients.connectedV5(server, "q3@quota-app", "q"));
        assertEquals(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED, refused5.getMqttMessage().getReasonCode());
        assertTrue(refused5.getMqttMessage().getReasonString().orElseThrow().toString().contains("maximum of 2"));
        Mqtt3ConnAckException refused3 = assertThrows(Mqtt3ConnAckException.class,
                () -> Clients.connectedV3(server, "q3@quota-app", "q"));
        assertEquals(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE, refused3.getMqttMessage().getReturnCode());

        // A device already connected reconnects (takeover): not one more device, so not refused.
        Mqtt5BlockingClient q1again = Clients.connectedV5(server, "q1@quota-app", "q");
        await().atMost(Duration.ofSeconds(5)).until(() -> !q1.getState().isConnected());

        q2.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try {
                Clients.connectedV5(server, "q3@quota-app", "q").disconnect();
                return true;
            } catch (Mqtt5ConnAckException e) {
                return false;
            }
        });
        q1again.disconnect();
    }

    @Test
    void serverMaxConnectionsRefusesOneDeviceMoreWithServerBusy(@TempDir Path own) throws Exception {
        try (TestServer small = start(own, new MqttLimits(LIMITS.maxKeepAlive(), 2, 64, 4, Duration.ZERO, 1_000, 3,
                Duration.ofMinutes(1)))) {
            Mqtt5BlockingClient first = Clients.connectedV5(small, "device1@my-app", "hey-rodney");
            Mqtt3BlockingClient second = Clients.connectedV3(small, "device2@my-app", "two");
            Mqtt5ConnAckException busy = assertThrows(Mqtt5ConnAckException.class,
                    () -> Clients.connectedV5(small, "device3@my-app", "three"));
            assertEquals(Mqtt5ConnAckReasonCode.SERVER_BUSY, busy.getMqttMessage().getReasonCode());
            Mqtt3ConnAckException unavailable = assertThrows(Mqtt3ConnAckException.class,
                    () -> Clients.connectedV3(small, "device3@my-app", "three"));
            assertEquals(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE, unavailable.getMqttMessage().getReturnCode());
            assertTrue(first.getState().isConnected() && second.getState().isConnected(),
                    "the connected devices are not affected");
            first.disconnect();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try {
                    Clients.connectedV5(small, "device3@my-app", "three").disconnect();
                    return true;
                } catch (Mqtt5ConnAckException e) {
                    return false;
                }
            });
            second.disconnect();
        }
    }

    // --- payloads, topics and rates ---

    @Test
    void payloadAboveTheApplicationsMaximumIsRefusedAndNeverReachesTheSink() throws Exception {
        String marker = "m" + System.nanoTime() % 100_000;
        Mqtt5BlockingClient v5 = Clients.connectedV5(server, "q1@quota-app", "q");
        String fits = "\"" + marker + "\"";
        assertEquals(16, padded(fits, 16).length());
        v5.publishWith().topic("fits").qos(MqttQos.AT_LEAST_ONCE).payload(bytes(padded(fits, 16))).send();
        Mqtt5PubAckException tooLarge = assertThrows(Mqtt5PubAckException.class, () -> v5.publishWith()
                .topic("too-large").qos(MqttQos.AT_LEAST_ONCE).payload(bytes(padded(fits, 17))).send());
        assertEquals(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED, tooLarge.getMqttMessage().getReasonCode());
        assertTrue(tooLarge.getMqttMessage().getReasonString().orElseThrow().toString().contains("maxPayloadSize"));
        assertTrue(v5.getState().isConnected(), "an MQTT 5 client is told, not cut");
        v5.disconnect();

        Mqtt3BlockingClient v3 = Clients.connectedV3(server, "q1@quota-app", "q");
        Mqtt3AsyncClient async = v3.toAsync();
        CompletableFuture<?> refused = async.publishWith().topic("too-large-3").qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes(padded(fits, 17))).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> !v3.getState().isConnected());
        assertFalse(refused.isDone() && !refused.isCompletedExceptionally(), "no PUBACK for the refused publish");

        Thread.sleep(300);
        List<String> subjects = eventsWith(marker).stream().map(e -> e.get("subject").asText()).toList();
        assertEquals(List.of("fits"), subjects);
    }

    @Test
    void topicsBeyondTheLengthOrLevelLimitsAreRefusedAsTopicNameInvalid() {
        Mqtt5BlockingClient client = Clients.connectedV5(server, "p1@plain-app", "p");
        client.publishWith().topic("a/b/c/d").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send();
        client.publishWith().topic("x".repeat(64)).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send();

        Mqtt5PubAckException levels = assertThrows(Mqtt5PubAckException.class, () -> client.publishWith()
                .topic("a/b/c/d/e").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send());
        assertEquals(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID, levels.getMqttMessage().getReasonCode());
        assertTrue(levels.getMqttMessage().getReasonString().orElseThrow().toString().contains("maxTopicLevels"));
        Mqtt5PubAckException length = assertThrows(Mqtt5PubAckException.class, () -> client.publishWith()
                .topic("x".repeat(65)).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send());
        assertEquals(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID, length.getMqttMessage().getReasonCode());
        // 22 three-byte characters are 66 bytes: the limit is in bytes, not characters.
        Mqtt5PubAckException bytesLong = assertThrows(Mqtt5PubAckException.class, () -> client.publishWith()
                .topic("€".repeat(22)).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send());
        assertTrue(bytesLong.getMqttMessage().getReasonString().orElseThrow().toString().contains("maxTopicLength"));

        Mqtt5SubAck subAck = assertThrows(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException.class,
                () -> client.subscribeWith().topicFilter("command/inbox/" + "y".repeat(60) + "/#").send())
                .getMqttMessage();
        assertEquals(List.of(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID), subAck.getReasonCodes());
        assertTrue(client.getState().isConnected());
        client.disconnect();
    }

    @Test
    void mqtt5PublishesBeyondTheRateLimitGetQuotaExceededAndOnlyAcceptedOnesReachTheSink() throws Exception {
        String marker = "r" + System.nanoTime();
        Mqtt5BlockingClient client = Clients.connectedV5(server, "r1@rate-app", "r");
        Mqtt5AsyncClient async = client.toAsync();
        List<CompletableFuture<Mqtt5PublishResult>> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add(async.publishWith().topic("rate").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("\"" + marker + "-" + i + "\"")).send());
        }
        Map<String, Long> codes = sent.stream()
                .map(future -> future.handle((result, error) -> error == null ? "SUCCESS"
                        : ((Mqtt5PubAckException) (error.getCause() == null ? error : error.getCause()))
                                .getMqttMessage().getReasonCode().name()).join())
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        long accepted = codes.getOrDefault("SUCCESS", 0L);
        assertTrue(accepted >= 4, "the bucket holds one second's worth: " + codes);
        assertTrue(codes.getOrDefault("QUOTA_EXCEEDED", 0L) >= 1, "beyond the rate: " + codes);
        assertEquals(40, accepted + codes.getOrDefault("QUOTA_EXCEEDED", 0L), "no other answer: " + codes);
        assertTrue(client.getState().isConnected());
        client.disconnect();
        Thread.sleep(300);
        assertEquals(accepted, eventsWith(marker).size(), "exactly the acknowledged publishes reach the sink");
    }

    @Test
    void mqtt311PublishesBeyondTheRateLimitAreSlowedDownNotRefused() throws Exception {
        String marker = "s" + System.nanoTime();
        // A fresh bucket: the other rate test may have emptied the application's.
        Thread.sleep(1_100);
        Mqtt3BlockingClient client = Clients.connectedV3(server, "r1@rate-app", "r");
        long start = System.nanoTime();
        for (int i = 0; i < 12; i++) {
            client.publishWith().topic("rate").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("\"" + marker + "-" + i + "\"")).send();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(client.getState().isConnected(), "slowed down, not cut");
        // 4 from the full bucket, then 4 per second: the socket is not read for 250 ms after each of the last 8,
        // so the 12th is read (and acknowledged) at least 7 x 250 ms after the first.
        assertTrue(millis >= 1_650, "12 publishes at 4/s after a burst of 4 took only " + millis + " ms");
        client.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> eventsWith(marker).size() == 12);
    }

    // --- authentication failures ---

    @Test
    void unknownDeviceAndWrongPasswordsGetTheSameAnswerAfterTheFailureDelay() throws IOException {
        String[][] attempts = {
                {"nobody@my-app", "whatever"},            // unknown device
                {"hashed@my-app", "wrong"},               // bcrypt credential, wrong password
                {"device2@my-app", "wrong"},              // plain credential, wrong password
                {"nobody@no-such-app", "whatever"}};      // unknown application
        for (String[] attempt : attempts) {
            try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
                long start = System.nanoTime();
                raw.send(RawMqttClient.connect("MQTT", 5, "guess-" + attempt[0], attempt[0], attempt[1], 30));
                byte[] connack = raw.readPacket();
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals((byte) 0x86, connack[3], "Bad user name or password for " + attempt[0]);
                assertTrue(millis >= 490, attempt[0] + " answered after " + millis + " ms, before the 500 ms delay");
                System.out.printf("auth failure for %s answered after %d ms%n", attempt[0], millis);
            }
        }
        // The right bcrypt password is not delayed.
        Clients.connectedV5(server, "hashed@my-app", BCRYPT_PASSWORD).disconnect();
    }

    @Test
    void failuresForOneIdentityThrottleItWhetherOrNotItExists() {
        for (String identity : new String[] {"guessed@my-app", "ghost@my-app"}) {
            for (int i = 0; i < 3; i++) {
                Mqtt5ConnAckException wrong = assertThrows(Mqtt5ConnAckException.class,
                        () -> Clients.connectedV5(server, identity, "wrong"));
                assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, wrong.getMqttMessage().getReasonCode());
            }
            Mqtt5ConnAckException throttled = assertThrows(Mqtt5ConnAckException.class,
                    () -> Clients.connectedV5(server, identity, "guessed-right"));
            assertEquals(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED, throttled.getMqttMessage().getReasonCode(),
                    identity);
            Mqtt3ConnAckException throttled3 = assertThrows(Mqtt3ConnAckException.class,
                    () -> Clients.connectedV3(server, identity, "guessed-right"));
            assertEquals(Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE, throttled3.getMqttMessage().getReturnCode());
        }
        // Other identities from the same address are not affected.
        Clients.connectedV5(server, "device1@my-app", "hey-rodney").disconnect();
    }

    @Test
    void guessingADevicesPasswordDoesNotLockTheDeviceItselfOut() {
        Clients.connectedV5(server, "watched@my-app", "its-own").disconnect();
        for (int i = 0; i < 3; i++) {
            assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, assertThrows(Mqtt5ConnAckException.class,
                    () -> Clients.connectedV5(server, "watched@my-app", "guess")).getMqttMessage().getReasonCode());
        }
        assertEquals(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED, assertThrows(Mqtt5ConnAckException.class,
                () -> Clients.connectedV5(server, "watched@my-app", "another-guess")).getMqttMessage().getReasonCode());
        // The device, with the password it last got in with, still does (MQTT 5 and 3.1.1)...
        Clients.connectedV5(server, "watched@my-app", "its-own").disconnect();
        Clients.connectedV3(server, "watched@my-app", "its-own").disconnect();
        // ...and that does not give the guesser new guesses.
        assertEquals(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED, assertThrows(Mqtt5ConnAckException.class,
                () -> Clients.connectedV5(server, "watched@my-app", "guess")).getMqttMessage().getReasonCode());
    }

    @Test
    void fromAnotherAddressEvenTheRightPasswordOfAThrottledIdentityIsRefusedUnchecked() throws IOException {
        Clients.connectedV5(server, "roamer@my-app", "its-secret").disconnect(); // from 127.0.0.1
        for (int i = 0; i < 3; i++) {
            assertEquals(0x86, connackFrom("127.0.0.2", "roamer@my-app", "guess-" + i), "Bad User Name or Password");
        }
        // Nothing to learn from elsewhere: right and wrong get the same answer.
        assertEquals(0x9F, connackFrom("127.0.0.2", "roamer@my-app", "its-secret"), "Connection rate exceeded");
        assertEquals(0x9F, connackFrom("127.0.0.2", "roamer@my-app", "guess-3"), "Connection rate exceeded");
        // The device, from the address it authenticated from, gets in.
        Clients.connectedV5(server, "roamer@my-app", "its-secret").disconnect();
    }

    @Test
    void guessesFromTheDevicesOwnAddressUseUpItsExemption() throws IOException {
        Clients.connectedV5(server, "neighbour@my-app", "right").disconnect();
        for (int i = 0; i < 3; i++) {
            assertEquals(0x86, connackFrom("127.0.0.1", "neighbour@my-app", "guess-" + i));
        }
        // A guesser sharing the device's address: refused and counted, at most the identity's limit (3) again...
        for (int i = 3; i < 6; i++) {
            assertEquals(0x9F, connackFrom("127.0.0.1", "neighbour@my-app", "guess-" + i));
        }
        // ...then the exemption is closed until the window passes, for the device too.
        assertEquals(0x9F, connackFrom("127.0.0.1", "neighbour@my-app", "right"));
    }

    /** The reason code of the CONNACK an MQTT 5 CONNECT from {@code localAddress} gets. */
    private static int connackFrom(String localAddress, String username, String password) throws IOException {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort(), localAddress)) {
            raw.send(RawMqttClient.connect("MQTT", 5, "c-" + UUID.randomUUID(), username, password, 30));
            return raw.readPacket()[3] & 0xFF;
        }
    }

    @Test
    void failuresFromOneAddressThrottleItUntilTheWindowPassed(@TempDir Path own) throws Exception {
        try (TestServer strict = start(own, new MqttLimits(LIMITS.maxKeepAlive(), 100, 64, 4, Duration.ZERO, 3, 100,
                Duration.ofSeconds(2)))) {
            for (String identity : new String[] {"device1@my-app", "device2@my-app", "nobody@my-app"}) {
                assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, assertThrows(
                        Mqtt5ConnAckException.class, () -> Clients.connectedV5(strict, identity, "wrong"))
                        .getMqttMessage().getReasonCode());
            }
            assertEquals(Mqtt5ConnAckReasonCode.CONNECTION_RATE_EXCEEDED, assertThrows(Mqtt5ConnAckException.class,
                    () -> Clients.connectedV5(strict, "device3@my-app", "three")).getMqttMessage().getReasonCode(),
                    "a fourth identity from the same address, with the right password");
            await().pollDelay(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(6)).until(() -> {
                try {
                    Clients.connectedV5(strict, "device3@my-app", "three").disconnect();
                    return true;
                } catch (Mqtt5ConnAckException e) {
                    return false;
                }
            });
        }
    }

    private static String padded(String json, int length) {
        return json + " ".repeat(length - json.length());
    }

    private static List<JsonNode> eventsWith(String marker) throws IOException {
        return server.events().stream()
                .filter(e -> e.has("data") && e.get("data").toString().contains(marker)
                        || e.has("data_base64") && new String(java.util.Base64.getDecoder()
                        .decode(e.get("data_base64").asText()), StandardCharsets.UTF_8).contains(marker))
                .toList();
    }
}
