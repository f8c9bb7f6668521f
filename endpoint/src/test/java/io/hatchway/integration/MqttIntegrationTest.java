package io.hatchway.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.hatchway.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MQTT integration listener (issue 8, section 2), with real clients: backends (HiveMQ client) follow their
 * application's events in both content modes, share a subscription, send commands to devices, and are refused
 * another application's; a backend that does not keep up is cut off while devices keep publishing.
 */
class MqttIntegrationTest {

    private static final int MAX_QUEUED = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String REGISTRY = """
            applications:
              - metadata: { name: my-app }
                spec:
                  apiKeys:
                    - { name: backend, key: backend-key }
              - metadata: { name: second-app }
                spec:
                  apiKeys:
                    - { name: backend, key: second-key }
            devices:
              - metadata: { name: device1, application: my-app }
                spec: { authentication: { credentials: [ { pass: hey-rodney } ] } }
              - metadata: { name: device2, application: my-app }
                spec: { authentication: { credentials: [ { pass: two } ] } }
              - metadata: { name: edge1, application: my-app }
                spec: { authentication: { credentials: [ { pass: edge } ] } }
              - metadata: { name: other1, application: second-app }
                spec: { authentication: { credentials: [ { pass: other-pass } ] } }
            """;

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, REGISTRY, Duration.ofSeconds(10), Optional.empty(),
                config -> config.withIntegration(new HatchwayConfig.Integration(
                        Optional.of(new BindAddress("127.0.0.1", 0)), MAX_QUEUED)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void backendReceivesItsApplicationsEventsAsStructuredCloudEvents() throws Exception {
        Mqtt5BlockingClient backend = backend("backend@my-app", "backend-key");
        try (Mqtt5BlockingClient.Mqtt5Publishes events = backend.publishes(MqttGlobalPublishFilter.ALL)) {
            backend.subscribeWith().topicFilter("app/my-app").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");

            Mqtt5Publish connected = next(events, "io.drogue.connection.v1", "device1");
            assertEquals("app/my-app", connected.getTopic().toString());
            assertEquals("application/cloudevents+json", connected.getContentType().orElseThrow().toString());
            assertTrue(json(connected).get("data").get("connected").asBoolean());

            String marker = UUID.randomUUID().toString();
            device.publishWith().topic("temp").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"temp\":21,\"marker\":\"" + marker + "\"}")).send();
            JsonNode event = json(next(events, "io.drogue.event.v1", "device1"));
            assertEquals("temp", event.get("subject").asText());
            assertEquals("my-app", event.get("application").asText());
            assertEquals("device1", event.get("device").asText());
            assertEquals("application/json", event.get("datacontenttype").asText());
            assertEquals(marker, event.get("data").get("marker").asText());
            assertEquals("1.0", event.get("specversion").asText());
            // The same event, with the same id, as the sink stored it.
            assertTrue(server.events().stream().anyMatch(stored -> stored.get("id").equals(event.get("id"))));
            device.disconnect();
            assertFalse(json(next(events, "io.drogue.connection.v1", "device1")).get("data").get("connected")
                    .asBoolean());
        }
        backend.disconnect();
    }

    @Test
    void binaryContentModeCarriesTheAttributesAsUserPropertiesAndTheDataAsPayload() throws Exception {
        Mqtt5BlockingClient backend = MqttClient.builder().useMqttVersion5().identifier("binary-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(server.port("integration")).buildBlocking();
        backend.connectWith().simpleAuth().username("backend@my-app").password(bytes("backend-key"))
                .applySimpleAuth().userProperties().add("content-mode", "binary").applyUserProperties().send();
        try (Mqtt5BlockingClient.Mqtt5Publishes events = backend.publishes(MqttGlobalPublishFilter.ALL)) {
            backend.subscribeWith().topicFilter("app/my-app/binary").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device2@my-app", "two");
            byte[] payload = {0x00, 0x01, (byte) 0xFF, 0x42};
            device.publishWith().topic("binary").qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
            Mqtt5Publish event = events.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("app/my-app/binary", event.getTopic().toString());
            assertTrue(java.util.Arrays.equals(payload, event.getPayloadAsBytes()), "raw payload");
            assertEquals("application/octet-stream", event.getContentType().orElseThrow().toString());
            Map<String, String> attributes = event.getUserProperties().asList().stream().collect(Collectors.toMap(
                    p -> p.getName().toString(), p -> p.getValue().toString()));
            assertEquals("io.drogue.event.v1", attributes.get("type"));
            assertEquals("binary", attributes.get("subject"));
            assertEquals("device2", attributes.get("device"));
            assertEquals("my-app", attributes.get("application"));
            assertEquals("1.0", attributes.get("specversion"));
            assertTrue(attributes.containsKey("id") && attributes.containsKey("source") && attributes.containsKey("time"),
                    attributes.toString());
            device.disconnect();
        }
        backend.disconnect();
    }

    @Test
    void mqtt311BackendGetsStructuredEventsOfOneChannelOnly() throws Exception {
        Mqtt3BlockingClient backend = MqttClient.builder().useMqttVersion3().identifier("v3-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(server.port("integration")).buildBlocking();
        backend.connectWith().simpleAuth().username("backend@my-app").password(bytes("backend-key"))
                .applySimpleAuth().send();
        try (Mqtt3BlockingClient.Mqtt3Publishes events = backend.publishes(MqttGlobalPublishFilter.ALL)) {
            backend.subscribeWith().topicFilter("app/my-app/wanted").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "edge1@my-app", "edge");
            device.publishWith().topic("unwanted").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send();
            device.publishWith().topic("wanted").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("2")).send();
            var event = events.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("app/my-app/wanted", event.getTopic().toString());
            JsonNode json = JSON.readTree(event.getPayloadAsBytes());
            assertEquals("wanted", json.get("subject").asText());
            assertEquals(2, json.get("data").asInt());
            assertTrue(events.receive(500, TimeUnit.MILLISECONDS).isEmpty(), "nothing of the other channels");
            device.disconnect();
        }
        backend.disconnect();
    }

    @Test
    void sharedSubscriptionGivesEachEventToOneMember() throws Exception {
        Mqtt5BlockingClient first = backend("backend@my-app", "backend-key");
        Mqtt5BlockingClient second = backend("backend@my-app", "backend-key");
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Mqtt5BlockingClient, List<String>> byMember = Map.of(first, new ArrayList<>(), second, new ArrayList<>());
        for (Mqtt5BlockingClient member : List.of(first, second)) {
            member.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish -> {
                String data = dataOf(publish);
                got.add(data);
                synchronized (byMember) {
                    byMember.get(member).add(data);
                }
            });
            member.subscribeWith().topicFilter("$share/workers/app/my-app/split").qos(MqttQos.AT_LEAST_ONCE).send();
        }
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            String value = "\"split-" + i + "\"";
            sent.add(value);
            device.publishWith().topic("split").qos(MqttQos.AT_LEAST_ONCE).payload(bytes(value)).send();
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 10);
        Thread.sleep(300);
        assertEquals(10, got.size(), "each event once: " + got);
        assertEquals(sent, new HashSet<>(got));
        synchronized (byMember) {
            assertEquals(5, byMember.get(first).size(), "members take turns: " + byMember);
            assertEquals(5, byMember.get(second).size(), "members take turns: " + byMember);
        }
        device.disconnect();
        first.disconnect();
        second.disconnect();
    }

    @Test
    void orchestratorPushesAConfigurationBatchAndReceivesTheConfirmationOverMqttOnly() throws Exception {
        Mqtt5BlockingClient backend = backend("backend@my-app", "backend-key");
        Mqtt5BlockingClient edge = Clients.connectedV5(server, "edge1@my-app", "edge");
        try (Mqtt5BlockingClient.Mqtt5Publishes commands = edge.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes confirmations = backend.publishes(MqttGlobalPublishFilter.ALL)) {
            edge.subscribeWith().topicFilter("command/inbox//#").send();
            backend.subscribeWith().topicFilter("app/my-app/confirmation").qos(MqttQos.AT_LEAST_ONCE).send();

            String batch = "{\"batch\":\"b-17\",\"items\":[{\"key\":\"rate\",\"value\":5}]}";
            backend.publishWith().topic("command/my-app/edge1/apply-config").qos(MqttQos.AT_LEAST_ONCE)
                    .contentType("application/json").payload(bytes(batch)).send();
            Mqtt5Publish command = commands.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("command/inbox//apply-config", command.getTopic().toString());
            assertEquals(batch, new String(command.getPayloadAsBytes(), StandardCharsets.UTF_8));

            edge.publishWith().topic("confirmation").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"batch\":\"b-17\",\"applied\":true}")).send();
            JsonNode confirmation = json(confirmations.receive(10, TimeUnit.SECONDS).orElseThrow());
            assertEquals("edge1", confirmation.get("device").asText());
            assertEquals("b-17", confirmation.get("data").get("batch").asText());
        }
        edge.disconnect();
        backend.disconnect();
    }

    @Test
    void commandsAreRefusedWithTheReasonCodeThatSaysWhy() {
        Mqtt5BlockingClient backend = backend("backend@my-app", "backend-key");
        // 0x10 is not an error code: the publish "succeeds", the PUBACK says nobody took it.
        for (String device : List.of("device2", "nobody")) {
            Mqtt5PublishResult.Mqtt5Qos1Result result = (Mqtt5PublishResult.Mqtt5Qos1Result) backend.publishWith()
                    .topic("command/my-app/" + device + "/reboot").qos(MqttQos.AT_LEAST_ONCE).send();
            assertEquals(Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS, result.getPubAck().getReasonCode(), device);
            assertTrue(result.getPubAck().getReasonString().isPresent(), "says why");
        }
        Mqtt5PubAckException foreign = assertThrows(Mqtt5PubAckException.class, () -> backend.publishWith()
                .topic("command/second-app/other1/reboot").qos(MqttQos.AT_LEAST_ONCE).send());
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, foreign.getMqttMessage().getReasonCode());
        Mqtt5PubAckException invalid = assertThrows(Mqtt5PubAckException.class, () -> backend.publishWith()
                .topic("commands/for/everyone").qos(MqttQos.AT_LEAST_ONCE).send());
        assertEquals(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID, invalid.getMqttMessage().getReasonCode());
        assertTrue(backend.getState().isConnected());
        backend.disconnect();
    }

    @Test
    void aKeyOfAnotherApplicationGetsNothingOfThisOne() {
        Mqtt5ConnAckException wrongApp = assertThrows(Mqtt5ConnAckException.class,
                () -> backend("backend@my-app", "second-key"));
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, wrongApp.getMqttMessage().getReasonCode());
        Mqtt5ConnAckException deviceCredentials = assertThrows(Mqtt5ConnAckException.class,
                () -> backend("device1@my-app", "hey-rodney"));
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD,
                deviceCredentials.getMqttMessage().getReasonCode());

        Mqtt5BlockingClient second = backend("backend@second-app", "second-key");
        Mqtt5SubAckException refused = assertThrows(Mqtt5SubAckException.class,
                () -> second.subscribeWith().topicFilter("app/my-app").send());
        assertEquals(List.of(Mqtt5SubAckReasonCode.NOT_AUTHORIZED), refused.getMqttMessage().getReasonCodes());
        Mqtt5SubAckException invalid = assertThrows(Mqtt5SubAckException.class,
                () -> second.subscribeWith().topicFilter("#").send());
        assertEquals(List.of(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID), invalid.getMqttMessage().getReasonCodes());
        second.disconnect();
    }

    @Test
    void aSubscriberThatDoesNotKeepUpIsCutOffWhileDevicesKeepPublishing() throws Exception {
        try (RawMqttClient stalled = new RawMqttClient(server.port("integration"))) {
            stalled.send(RawMqttClient.connect("MQTT", 5, "stalled", "backend@my-app", "backend-key", 60));
            assertEquals(0x00, stalled.readPacket()[3], "CONNACK");
            // SUBSCRIBE app/my-app/flood with QoS 1, then never acknowledge a single event.
            stalled.send(RawMqttClient.packet(0x82, RawMqttClient.concat(new byte[] {0x00, 0x01, 0x00},
                    RawMqttClient.string("app/my-app/flood"), new byte[] {0x01})));
            assertEquals((byte) 0x90, stalled.readPacket()[0], "SUBACK");

            Mqtt5BlockingClient device = Clients.connectedV5(server, "device2@my-app", "two");
            int published = MAX_QUEUED * 3;
            for (int i = 0; i < published; i++) {
                device.publishWith().topic("flood").qos(MqttQos.AT_LEAST_ONCE).payload(bytes(Integer.toString(i)))
                        .send();
            }
            assertTrue(device.getState().isConnected(), "the device was not slowed down or cut");
            int delivered = 0;
            byte[] packet;
            while ((packet = stalled.readPacket())[0] != (byte) 0xE0) {
                assertEquals(0x32, packet[0] & 0xFF, "QoS 1 PUBLISH");
                delivered++;
            }
            assertEquals((byte) 0x97, packet[2], "DISCONNECT Quota exceeded");
            assertEquals(MAX_QUEUED, delivered, "the events up to the queue's bound");
            assertTrue(stalled.closedWithin(5_000));
            assertEquals(published, server.events().stream()
                    .filter(e -> "flood".equals(e.get("subject").asText())).count(), "all accepted by the sink");
            device.disconnect();
        }
    }

    private static Mqtt5BlockingClient backend(String login, String key) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("backend-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(server.port("integration")).buildBlocking();
        client.connectWith().simpleAuth().username(login).password(bytes(key)).applySimpleAuth().send();
        return client;
    }

    /** The next event of {@code type} from {@code device}, skipping others. */
    private static Mqtt5Publish next(Mqtt5BlockingClient.Mqtt5Publishes events, String type, String device)
            throws Exception {
        while (true) {
            Mqtt5Publish publish = events.receive(10, TimeUnit.SECONDS)
                    .orElseThrow(() -> new AssertionError("no " + type + " event of " + device));
            JsonNode event = json(publish);
            if (type.equals(event.get("type").asText()) && device.equals(event.get("device").asText())) {
                return publish;
            }
        }
    }

    private static JsonNode json(Mqtt5Publish publish) throws IOException {
        return JSON.readTree(publish.getPayloadAsBytes());
    }

    private static String dataOf(Mqtt5Publish publish) {
        try {
            return json(publish).get("data").toString();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

}
