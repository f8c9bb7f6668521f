package io.hatchway.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hatchway.Clients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection events, wills and presence, as a backend consuming the events and the HTTP API sees them. */
class LifecycleEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(5), Optional.empty());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The events of {@code device} whose JSON contains {@code marker}, or all connection events of it. */
    private static List<JsonNode> eventsOf(String device, String type) throws Exception {
        return server.events().stream().filter(e -> device.equals(e.get("device").asText())
                && type.equals(e.get("type").asText())).collect(Collectors.toList());
    }

    private static List<JsonNode> willEvents(String marker) throws Exception {
        return server.events().stream().filter(e -> e.toString().contains(marker)).collect(Collectors.toList());
    }

    @Test
    void connectAndDisconnectEmitDrogueConnectionEventsInOrder() throws Exception {
        int before = eventsOf("gateway01", "io.drogue.connection.v1").size();
        Mqtt5BlockingClient client = Clients.connectedV5(server, "gateway01@my-app", "gw-pass");
        client.publishWith().topic("between").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send();
        client.disconnect();
        List<JsonNode> events = await().atMost(Duration.ofSeconds(10)).until(
                () -> eventsOf("gateway01", "io.drogue.connection.v1"), l -> l.size() >= before + 2);
        JsonNode connected = events.get(before);
        JsonNode disconnected = events.get(before + 1);
        assertEquals("connection", connected.get("subject").asText());
        assertEquals("application/json", connected.get("datacontenttype").asText());
        assertTrue(connected.get("data").get("connected").asBoolean());
        assertFalse(disconnected.get("data").get("connected").asBoolean());
        assertEquals("my-app", connected.get("application").asText());
        assertEquals("drogue://my-app/gateway01", connected.get("source").asText());
        assertEquals("my-app/gateway01", connected.get("partitionkey").asText());
        List<String> order = server.events().stream().filter(e -> "gateway01".equals(e.get("device").asText()))
                .map(e -> e.get("subject").asText()).collect(Collectors.toList());
        int i = order.lastIndexOf("between");
        assertEquals("connection", order.get(i - 1));
        assertEquals("connection", order.get(i + 1));
    }

    @Test
    void willOfAConnectionThatDropsBecomesAnEventBeforeTheDisconnectedEvent() throws Exception {
        String marker = UUID.randomUUID().toString();
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connectWithWill("lonely@my-app", "lonely-pass", "status", "{\"gone\":\"" + marker + "\"}"));
            raw.readPacket();
        } // socket closed without DISCONNECT
        JsonNode will = await().atMost(Duration.ofSeconds(10)).until(() -> willEvents(marker), l -> !l.isEmpty())
                .get(0);
        assertEquals("io.drogue.event.v1", will.get("type").asText());
        assertEquals("status", will.get("subject").asText());
        assertEquals("lonely", will.get("device").asText());
        assertEquals(marker, will.get("data").get("gone").asText());
        // the disconnected event is written just after the will, possibly in the sink's next batch
        List<String> types = await().atMost(Duration.ofSeconds(10)).until(() -> server.events().stream()
                .filter(e -> "lonely".equals(e.get("device").asText()))
                .map(e -> e.get("type").asText() + "/" + e.get("subject").asText()).collect(Collectors.toList()),
                l -> l.lastIndexOf("io.drogue.event.v1/status") < l.size() - 1);
        int w = types.lastIndexOf("io.drogue.event.v1/status");
        assertEquals("io.drogue.connection.v1/connection", types.get(w + 1), "disconnected after the will");
    }

    @Test
    void normalDisconnectDiscardsTheWill() throws Exception {
        String marker = UUID.randomUUID().toString();
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(connectWithWill("lonely@my-app", "lonely-pass", "status", marker));
            raw.readPacket();
            raw.send(new byte[] {(byte) 0xE0, 0x00});
            assertTrue(raw.closedWithin(5000));
        }
        int connectionEvents = eventsOf("lonely", "io.drogue.connection.v1").size();
        await().atMost(Duration.ofSeconds(10)).until(() -> eventsOf("lonely", "io.drogue.connection.v1").size()
                >= connectionEvents);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> willEvents(marker).isEmpty());
    }

    @Test
    void mqtt5DisconnectWithWillMessageSendsTheWillWithItsContentType() throws Exception {
        String marker = UUID.randomUUID().toString();
        Mqtt5BlockingClient client = Clients.v5(server);
        client.connectWith().simpleAuth().username("lonely@my-app").password(bytes("lonely-pass")).applySimpleAuth()
                .willPublish().topic("last-words").payload(bytes(marker)).contentType("text/plain").applyWillPublish()
                .send();
        client.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
        JsonNode will = await().atMost(Duration.ofSeconds(10)).until(() -> server.events().stream()
                .filter(e -> "last-words".equals(e.get("subject").asText())
                        && e.has("data_base64") && new String(java.util.Base64.getDecoder()
                        .decode(e.get("data_base64").asText())).equals(marker)).collect(Collectors.toList()),
                l -> !l.isEmpty()).get(0);
        assertEquals("text/plain", will.get("datacontenttype").asText());
    }

    @Test
    void willDelayIsCancelledWhenTheDeviceReconnectsInTime() throws Exception {
        String late = UUID.randomUUID().toString();
        Mqtt5BlockingClient first = Clients.v5(server);
        first.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth()
                .willPublish().topic("delayed").payload(bytes(late)).delayInterval(3).applyWillPublish().send();
        first.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
        Mqtt5BlockingClient again = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> willEvents(late).isEmpty()
                && server.events().stream().noneMatch(e -> "delayed".equals(e.get("subject").asText())));
        again.disconnect();
    }

    @Test
    void takeoverWithinTheWillDelayCancelsTheWillWhileAnImmediateWillIsSent() throws Exception {
        String delayed = UUID.randomUUID().toString();
        Mqtt5BlockingClient first = Clients.v5(server);
        first.connectWith().simpleAuth().username("lonely@my-app").password(bytes("lonely-pass")).applySimpleAuth()
                .willPublish().topic("delayed-takeover").payload(bytes(delayed)).delayInterval(2).applyWillPublish()
                .send();
        Mqtt5BlockingClient second = Clients.v5(server);
        String immediate = UUID.randomUUID().toString();
        second.connectWith().simpleAuth().username("lonely@my-app").password(bytes("lonely-pass")).applySimpleAuth()
                .willPublish().topic("immediate-takeover").payload(bytes(immediate)).applyWillPublish().send();
        Clients.connectedV5(server, "lonely@my-app", "lonely-pass").disconnect();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.events().stream()
                .anyMatch(e -> "immediate-takeover".equals(e.get("subject").asText())));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> server.events().stream()
                .noneMatch(e -> "delayed-takeover".equals(e.get("subject").asText())));
    }

    @Test
    void delayedWillIsSentAfterItsDelay() throws Exception {
        Instant start = Instant.now();
        Mqtt5BlockingClient client = Clients.v5(server);
        client.connectWith().simpleAuth().username("gateway01@my-app").password(bytes("gw-pass")).applySimpleAuth()
                .willPublish().topic("after-delay").payload(bytes("1")).delayInterval(1).applyWillPublish().send();
        client.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
        JsonNode will = await().atMost(Duration.ofSeconds(10)).until(() -> server.events().stream()
                .filter(e -> "after-delay".equals(e.get("subject").asText())).collect(Collectors.toList()),
                l -> !l.isEmpty()).get(0);
        Instant sent = Instant.parse(will.get("time").asText());
        assertTrue(!sent.isBefore(start.plusMillis(900)), "will sent at " + sent + ", connection ended ~" + start);
    }

    @Test
    void presenceShowsConnectedOnlineDevicesAndWhenTheyLeft() throws Exception {
        Mqtt5BlockingClient client = Clients.connectedV5(server, "serial-1234@my-app", "hey-rodney");
        JsonNode online = presence("device1");
        assertTrue(online.get("connected").asBoolean());
        assertTrue(online.get("online").asBoolean());
        Instant since = Instant.parse(online.get("since").asText());
        assertFalse(since.isAfter(Instant.now()));
        Instant.parse(online.get("lastSeen").asText());
        client.disconnect();
        JsonNode gone = await().atMost(Duration.ofSeconds(10)).until(() -> presence("device1"),
                p -> !p.get("connected").asBoolean());
        assertFalse(gone.get("online").asBoolean());
        assertTrue(Instant.parse(gone.get("since").asText()).isAfter(since));
        assertEquals(JSON.readTree("{\"connected\":false,\"since\":null,\"lastSeen\":null,\"online\":false}"),
                presence("sensor01"), "never connected");
        HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.httpPort() + "/api/presence/v1alpha1/apps/my-app/devices/nobody")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
    }

    @Test
    void connectedDeviceSilentLongerThanItsApplicationsOfflineThresholdIsNotOnline(@TempDir Path other)
            throws Exception {
        String registry = """
                applications:
                  - metadata: { name: quick }
                    spec: { mqtt: { offlineThreshold: 3s } }
                devices:
                  - metadata: { name: quiet, application: quick }
                    spec: { authentication: { credentials: [ { pass: shh } ] } }
                """;
        try (TestServer quick = TestServer.start(other, registry, Duration.ofSeconds(5), Optional.empty());
             RawMqttClient raw = new RawMqttClient(quick.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 4, "quiet", "quiet@quick", "shh", 0)); // keep-alive off
            raw.readPacket();
            URI uri = URI.create("http://127.0.0.1:" + quick.httpPort()
                    + "/api/presence/v1alpha1/apps/quick/devices/quiet");
            JsonNode first = JSON.readTree(HTTP.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertTrue(first.get("online").asBoolean());
            JsonNode silent = await().atMost(Duration.ofSeconds(10)).until(() -> JSON.readTree(HTTP.send(
                    HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body()),
                    p -> !p.get("online").asBoolean());
            assertTrue(silent.get("connected").asBoolean(), "still connected, only silent");
            raw.send(new byte[] {(byte) 0xC0, 0x00});
            raw.readPacket();
            assertTrue(JSON.readTree(HTTP.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("online").asBoolean(),
                    "online again after a ping");
        }
    }

    @Test
    void mqtt5DisconnectWithAnErrorReasonStillSendsTheWill() throws Exception {
        String marker = UUID.randomUUID().toString();
        Mqtt5BlockingClient client = Clients.v5(server);
        client.connectWith().simpleAuth().username("lonely@my-app").password(bytes("lonely-pass")).applySimpleAuth()
                .willPublish().topic("error-exit").payload(bytes(marker)).applyWillPublish().send();
        client.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.UNSPECIFIED_ERROR).send();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.events().stream()
                .anyMatch(e -> "error-exit".equals(e.get("subject").asText())));
    }

    @Test
    void takeoverEmitsNoDisconnectedEventForADeviceThatNeverWentOffline() throws Exception {
        // Repeated: the taken-over connection closes on its own event loop, racing the newer one's registration
        // (a lost race reported the device offline in about 1 takeover in 14).
        int rounds = 30;
        int before = settledConnectionEvents("device1");
        for (int round = 1; round <= rounds; round++) {
            Mqtt5BlockingClient first = Clients.connectedV5(server, "serial-1234@my-app", "hey-rodney");
            Mqtt5BlockingClient second = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            await().atMost(Duration.ofSeconds(10)).until(() -> !first.getState().isConnected());
            second.disconnect();
            int expected = before + 3 * round;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> eventsOf("device1", "io.drogue.connection.v1").size() >= expected);
        }
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(10))
                .until(() -> eventsOf("device1", "io.drogue.connection.v1").size() - before == 3 * rounds);
        List<Boolean> states = eventsOf("device1", "io.drogue.connection.v1").stream().skip(before)
                .map(e -> e.get("data").get("connected").asBoolean()).collect(Collectors.toList());
        List<Boolean> expected = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            expected.addAll(List.of(true, true, false));
        }
        assertEquals(expected, states, "per takeover: connected twice, disconnected once, never offline between");
    }

    /** The number of connection events of {@code device} once it is disconnected and no more arrive. */
    private static int settledConnectionEvents(String device) throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> !presence(device).get("connected").asBoolean());
        int[] last = {-1};
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(10)).until(() -> {
            int now = eventsOf(device, "io.drogue.connection.v1").size();
            boolean settled = now == last[0];
            last[0] = now;
            return settled;
        });
        return last[0];
    }

    private static JsonNode presence(String device) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.httpPort() + "/api/presence/v1alpha1/apps/my-app/devices/" + device)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** An MQTT 3.1.1 CONNECT with a QoS 0 will. */
    static byte[] connectWithWill(String username, String password, String willTopic, String willMessage) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(4);
        body.write(0x80 | 0x40 | 0x04 | 0x02); // username, password, will, clean session
        body.write(0);
        body.write(30);
        string(body, "will-" + UUID.randomUUID());
        string(body, willTopic);
        string(body, willMessage);
        string(body, username);
        string(body, password);
        return RawMqttClient.packet(0x10, body.toByteArray());
    }

    private static void string(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }
}
