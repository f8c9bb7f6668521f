package io.hatchway.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublishTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The events whose payload contains {@code marker}, waiting until {@code count} of them exist. */
    private static List<JsonNode> eventsWith(String marker, int count) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> server.events().stream()
                .filter(e -> e.toString().contains(marker)
                        || (e.has("data_base64") && new String(Base64.getDecoder()
                        .decode(e.get("data_base64").asText())).contains(marker)))
                .collect(Collectors.toList()), l -> l.size() >= count);
    }

    private static String marker() {
        return UUID.randomUUID().toString();
    }

    @Test
    void qos1JsonPublishBecomesADrogueCloudEventBeforeThePubAck() throws Exception {
        String marker = marker();
        Mqtt3BlockingClient client = Clients.connectedV3(server, "device1@my-app", "hey-rodney");
        OffsetDateTime before = OffsetDateTime.now().minusSeconds(1);
        client.publishWith().topic("temp").qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("{\"t\":21,\"m\":\"" + marker + "\"}")).send();
        // PUBACK means durable: the event is in the file already, no waiting.
        JsonNode event = server.events().stream().filter(e -> e.toString().contains(marker)).findFirst()
                .orElseThrow(() -> new AssertionError("PUBACKed event not in the sink"));
        client.disconnect();

        UUID.fromString(event.get("id").asText());
        assertEquals("1.0", event.get("specversion").asText());
        assertEquals("io.drogue.event.v1", event.get("type").asText());
        assertEquals("drogue://my-app/device1", event.get("source").asText());
        assertEquals("temp", event.get("subject").asText());
        assertEquals("application/json", event.get("datacontenttype").asText());
        assertEquals("my-app", event.get("application").asText());
        assertEquals("device1", event.get("device").asText());
        assertEquals("device1", event.get("sender").asText());
        assertEquals("my-app/device1", event.get("partitionkey").asText());
        assertEquals("test-instance", event.get("instance").asText());
        assertEquals(21, event.get("data").get("t").asInt());
        OffsetDateTime time = OffsetDateTime.parse(event.get("time").asText());
        assertTrue(time.isAfter(before) && time.isBefore(OffsetDateTime.now().plusSeconds(1)), "time " + time);
    }

    @Test
    void binaryPayloadIsCarriedUnchangedAsOctetStream() throws Exception {
        String marker = marker();
        byte[] payload = new byte[256];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        byte[] withMarker = (marker + new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1))
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Mqtt5BlockingClient client = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        client.publishWith().topic("blob").qos(MqttQos.AT_LEAST_ONCE).payload(withMarker).send();
        JsonNode event = eventsWith(marker, 1).get(0);
        client.disconnect();
        assertEquals("application/octet-stream", event.get("datacontenttype").asText());
        assertArrayEquals(withMarker, Base64.getDecoder().decode(event.get("data_base64").asText()));
    }

    @Test
    void mqtt5ContentTypeBecomesTheEventContentType() throws Exception {
        String marker = marker();
        Mqtt5BlockingClient client = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        client.publishWith().topic("text").qos(MqttQos.AT_LEAST_ONCE).contentType("text/plain")
                .payload(bytes(marker)).send();
        JsonNode event = eventsWith(marker, 1).get(0);
        client.disconnect();
        assertEquals("text/plain", event.get("datacontenttype").asText());
    }

    @Test
    void jsonContentTypeWithInvalidPayloadIsRefusedAsPayloadFormatInvalid() {
        Mqtt5BlockingClient client = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        Mqtt5PubAckException e = assertThrows(Mqtt5PubAckException.class, () -> client.publishWith().topic("temp")
                .qos(MqttQos.AT_LEAST_ONCE).contentType("application/json").payload(bytes("{not json")).send());
        assertEquals(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID, e.getMqttMessage().getReasonCode());
        assertTrue(client.getState().isConnected());
        client.disconnect();
    }

    @Test
    void gatewayPublishesOnBehalfOfADeviceThatListsIt() throws Exception {
        String marker = marker();
        Mqtt5BlockingClient gateway = Clients.connectedV5(server, "gateway01@my-app", "gw-pass");
        gateway.publishWith().topic("temp/sensor01").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\""))
                .send();
        gateway.publishWith().topic("temp/sensor-alias").qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("\"" + marker + "\"")).send();
        gateway.disconnect();
        for (JsonNode event : eventsWith(marker, 2)) {
            assertEquals("sensor01", event.get("device").asText());
            assertEquals("gateway01", event.get("sender").asText());
            assertEquals("my-app/gateway01", event.get("partitionkey").asText());
            assertEquals("drogue://my-app/sensor01", event.get("source").asText());
        }
    }

    @Test
    void publishForADeviceThatDoesNotListTheSenderIsNotAuthorized() throws Exception {
        String marker = marker();
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        Mqtt5PubAckException e = assertThrows(Mqtt5PubAckException.class, () -> device.publishWith()
                .topic("temp/sensor01").qos(MqttQos.AT_LEAST_ONCE).payload(bytes(marker)).send());
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCode());
        // QoS 0: dropped, the connection stays
        device.publishWith().topic("temp/sensor01").qos(MqttQos.AT_MOST_ONCE).payload(bytes(marker)).send();
        device.publishWith().topic("after").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\"")).send();
        assertTrue(device.getState().isConnected());
        device.disconnect();
        List<JsonNode> events = eventsWith(marker, 1);
        assertEquals(1, events.size());
        assertEquals("after", events.get(0).get("subject").asText());
    }

    @Test
    void mqtt311DeniedQos1PublishClosesTheConnectionAndIsNotAcknowledged() throws Exception {
        String marker = marker();
        Mqtt3BlockingClient device = Clients.connectedV3(server, "device1@my-app", "hey-rodney");
        assertThrows(CompletionException.class, () -> device.toAsync().publishWith().topic("temp/sensor01")
                .qos(MqttQos.AT_LEAST_ONCE).payload(bytes(marker)).send().join());
        await().atMost(Duration.ofSeconds(10)).until(() -> device.getState() == MqttClientState.DISCONNECTED);
        assertTrue(server.events().stream().noneMatch(e -> e.toString().contains(marker)));
    }

    @Test
    void mqtt311DeniedQos0PublishIsDroppedAndTheConnectionStays() throws Exception {
        String marker = marker();
        Mqtt3BlockingClient device = Clients.connectedV3(server, "device1@my-app", "hey-rodney");
        device.publishWith().topic("temp/sensor01").qos(MqttQos.AT_MOST_ONCE).payload(bytes(marker)).send();
        device.publishWith().topic("ok").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\"")).send();
        assertTrue(device.getState().isConnected());
        device.disconnect();
        assertEquals(List.of("ok"), eventsWith(marker, 1).stream().map(e -> e.get("subject").asText()).toList());
    }

    @Test
    void invalidTopicsAreRefusedAsTopicNameInvalid() {
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        for (String topic : List.of("a/b/c", "/device1", "temp/")) {
            Mqtt5PubAckException e = assertThrows(Mqtt5PubAckException.class, () -> device.publishWith()
                    .topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send(), topic);
            assertEquals(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID, e.getMqttMessage().getReasonCode(), topic);
        }
        device.disconnect();
    }

    @Test
    void mqtt311InvalidTopicClosesTheConnection() {
        Mqtt3BlockingClient device = Clients.connectedV3(server, "device1@my-app", "hey-rodney");
        device.toAsync().publishWith().topic("a/b/c").qos(MqttQos.AT_MOST_ONCE).payload(bytes("1")).send();
        await().atMost(Duration.ofSeconds(10)).until(() -> device.getState() == MqttClientState.DISCONNECTED);
    }

    @Test
    void qos2PublishIsDeliveredExactlyOnce() throws Exception {
        String marker = marker();
        Mqtt5BlockingClient v5 = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        v5.publishWith().topic("q2").qos(MqttQos.EXACTLY_ONCE).payload(bytes("\"" + marker + "\"")).send();
        v5.disconnect();
        Mqtt3BlockingClient v3 = Clients.connectedV3(server, "device1@my-app", "hey-rodney");
        v3.publishWith().topic("q2").qos(MqttQos.EXACTLY_ONCE).payload(bytes("\"" + marker + "\"")).send();
        v3.disconnect();
        assertEquals(2, eventsWith(marker, 2).size());
    }

    @Test
    void resentQos2PublishBeforePubRelIsNotASecondEvent() throws Exception {
        String marker = marker();
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 4, "q2raw", "device1@my-app", "hey-rodney", 30));
            raw.readPacket();
            byte[] publish = RawMqttClient.publishV3("q2", 2, 7, bytes("\"" + marker + "\""));
            raw.send(publish);
            assertArrayEquals(new byte[] {0x50, 0x02, 0x00, 0x07}, raw.readPacket()); // PUBREC
            publish[0] |= 0x08; // DUP
            raw.send(publish);
            assertArrayEquals(new byte[] {0x50, 0x02, 0x00, 0x07}, raw.readPacket()); // PUBREC again
            raw.send(new byte[] {0x62, 0x02, 0x00, 0x07}); // PUBREL
            assertArrayEquals(new byte[] {0x70, 0x02, 0x00, 0x07}, raw.readPacket()); // PUBCOMP
        }
        assertEquals(1, eventsWith(marker, 1).size());
    }

    @Test
    void manyQos1PublishesAreAllAcknowledgedAndStoredInOrder() throws Exception {
        String marker = marker();
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        var async = device.toAsync();
        List<java.util.concurrent.CompletableFuture<?>> acks = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            acks.add(async.publishWith().topic("seq").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"m\":\"" + marker + "\",\"i\":" + i + "}")).send());
        }
        java.util.concurrent.CompletableFuture.allOf(acks.toArray(new java.util.concurrent.CompletableFuture[0]))
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
        device.disconnect();
        List<JsonNode> events = eventsWith(marker, 500);
        assertEquals(500, events.size());
        for (int i = 0; i < 500; i++) {
            assertEquals(i, events.get(i).get("data").get("i").asInt());
        }
    }

    @Test
    void mqtt5Qos0PublishOnAnInvalidTopicGetsDisconnectTopicNameInvalid() throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> cause = new java.util.concurrent.CompletableFuture<>();
        Mqtt5BlockingClient device = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5()
                .serverHost("127.0.0.1").serverPort(server.mqttPort())
                .addDisconnectedListener(ctx -> cause.complete(ctx.getCause())).buildBlocking();
        device.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth()
                .send();
        device.publishWith().topic("a/b/c").qos(MqttQos.AT_MOST_ONCE).payload(bytes("1")).send();
        Throwable why = cause.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(why instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException, "got " + why);
        assertEquals(com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode.TOPIC_NAME_INVALID,
                ((com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException) why).getMqttMessage()
                        .getReasonCode());
    }

    @Test
    void payloadDeclaredUtf8ThatIsNotIsRefusedAsPayloadFormatInvalid() {
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        Mqtt5PubAckException e = assertThrows(Mqtt5PubAckException.class, () -> device.publishWith().topic("t")
                .qos(MqttQos.AT_LEAST_ONCE)
                .payloadFormatIndicator(com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator.UTF_8)
                .payload(new byte[] {(byte) 0xC0, (byte) 0xAF}).send());
        assertEquals(Mqtt5PubAckReasonCode.PAYLOAD_FORMAT_INVALID, e.getMqttMessage().getReasonCode());
        device.disconnect();
    }

    @Test
    void refusalsCarryAReasonStringUnlessTheClientAskedForNone() {
        Mqtt5BlockingClient talkative = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        Mqtt5PubAckException told = assertThrows(Mqtt5PubAckException.class, () -> talkative.publishWith()
                .topic("temp/sensor01").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send());
        assertTrue(told.getMqttMessage().getReasonString().isPresent());
        talkative.disconnect();

        Mqtt5BlockingClient quiet = Clients.v5(server);
        quiet.connectWith().restrictions().requestProblemInformation(false).applyRestrictions()
                .simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth().send();
        Mqtt5PubAckException silent = assertThrows(Mqtt5PubAckException.class, () -> quiet.publishWith()
                .topic("temp/sensor01").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send());
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, silent.getMqttMessage().getReasonCode());
        assertTrue(silent.getMqttMessage().getReasonString().isEmpty());
        quiet.disconnect();
    }
}
