package io.hatchway.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.MqttSessionExpiredException;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.hatchway.TestPki;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.hatchway.Clients.bytes;
import static io.hatchway.dialect.FleetEvents.WAIT;
import static io.hatchway.dialect.FleetEvents.eventWithPayload;
import static io.hatchway.dialect.FleetEvents.eventsOf;
import static io.hatchway.dialect.FleetEvents.isConnectionEvent;
import static io.hatchway.dialect.FleetEvents.jsonWithMarker;
import static io.hatchway.dialect.FleetEvents.payloadText;
import static io.hatchway.dialect.FleetEvents.postCommand;
import static io.hatchway.dialect.FleetEvents.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fleet layouts of issue 4 that cannot change their topics, each with the kind of client such a fleet runs, a
 * publish read into an event and a command delivered on the fleet's own command topic:
 * <ul>
 *     <li>edge devices on {@code VSRE/{serial}/...} and {@code VSR/{serial}/...}, authenticated by a client certificate
 *     whose CN is the serial (MQTT 5);</li>
 *     <li>telemetry adapters connecting with client id = username = device id and no application anywhere
 *     ({@code mqtt.defaultApplication}), whose application refuses a second connection (MQTT 3.1.1);</li>
 *     <li>Kubernetes device adaptors (Rancher Octopus) publishing retained status over MQTT 3.1 with a will (Eclipse
 *     Paho).</li>
 * </ul>
 */
class FleetDialectsTest {

    private static final String EDGE_SERIAL = "serial-0001";
    private static final String ADAPTERS = "adapters";
    private static final String FAN = "living-room-fan";

    @TempDir
    static Path dir;
    static TestServer server;
    static TestPki.CertificateAuthority serverCa;
    static TestPki.CertificateAuthority edgeCa;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestPki.root("Hatchway Test Server CA");
        serverCa.serverCertificate().writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
        edgeCa = TestPki.root("edge CA");
        String registry = """
                applications:
                  - metadata: { name: edge }
                    spec:
                      trustAnchors:
                        - certificate: |
                %s
                      mqtt:
                        dialect:
                          type: template
                          publish:
                            - "VSRE/{device}/{channel}"
                            - "VSR/{device}/{channel}"
                          commands: "VSR/{device}/batch"
                  - metadata: { name: adapters }
                    spec:
                      mqtt:
                        takeover: reject
                        dialect:
                          type: template
                          publish:
                            - { topic: "devices/{device}/telemetry", channel: telemetry }
                          commands: "devices/{device}/commands"
                  - metadata: { name: octopus }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish:
                            - { topic: "cattle.io/octopus/+/{device}", channel: status }
                          commands: "cattle.io/octopus/commands/{device}/{command}"
                devices:
                  - metadata: { name: serial-0001, application: edge }
                  - metadata: { name: other-serial, application: edge }
                  - metadata: { name: sensor-42, application: adapters }
                    spec:
                      authentication:
                        credentials:
                          - pass: api-key-42
                  - metadata: { name: sensor-43, application: adapters }
                    spec:
                      authentication:
                        credentials:
                          - pass: api-key-43
                  - metadata: { name: sensor-44, application: adapters }
                    spec:
                      authentication:
                        credentials:
                          - pass: api-key-44
                  - metadata: { name: living-room-fan, application: octopus }
                    spec:
                      authentication:
                        credentials:
                          - pass: octopus-secret
                """.formatted(indent(TestPki.pem(edgeCa.certificate())));
        BindAddress any = new BindAddress("127.0.0.1", 0);
        server = TestServer.start(dir, registry, Duration.ofSeconds(5), Optional.empty(), config ->
                new HatchwayConfig(new HatchwayConfig.Mqtt(config.mqtt().bind(), config.mqtt().maxPacketSize(),
                        config.mqtt().connectTimeout(), config.mqtt().receiveMaximum(), Optional.of(ADAPTERS),
                        config.mqtt().blockedTimeout()),
                        config.http(), config.registryFile(), config.events(), config.instance())
                        .withListeners(Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"),
                                dir.resolve("server.key"), HatchwayConfig.ClientAuth.OPTIONAL)),
                                Optional.empty(), Optional.empty(), Optional.empty()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String indent(String pem) {
        return pem.lines().map(line -> "              " + line).collect(Collectors.joining("\n"));
    }

    // --- edge devices: VSRE/VSR topics, mutual TLS, MQTT 5 ---

    private static Mqtt5BlockingClient edgeDevice(String serial) {
        return MqttClient.builder().useMqttVersion5().identifier(serial)
                .serverHost("localhost").serverPort(server.port("mqtts"))
                .sslConfig().trustManagerFactory(serverCa.trustManagerFactory())
                .keyManagerFactory(edgeCa.issue("CN=" + serial + ",O=Hatchway Test").keyManagerFactory())
                .applySslConfig()
                .buildBlocking();
    }

    @Test
    void edgeDeviceWithItsSerialAsCertificateCnPublishesOnVsreAndVsrTopicsAndReceivesBatchCommands()
            throws Exception {
        Mqtt5BlockingClient device = edgeDevice(EDGE_SERIAL);
        device.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = device.publishes(MqttGlobalPublishFilter.ALL)) {
            String confirm = jsonWithMarker("confirmed");
            device.publishWith().topic("VSRE/" + EDGE_SERIAL + "/config/confirm").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(confirm)).send();
            JsonNode confirmed = eventWithPayload(server, confirm);
            assertEquals("edge", text(confirmed, "application"));
            assertEquals(EDGE_SERIAL, text(confirmed, "device"));
            assertEquals("config/confirm", text(confirmed, "subject"), "{channel} takes the remaining levels");

            String inform = jsonWithMarker("inform");
            device.publishWith().topic("VSR/" + EDGE_SERIAL + "/inform").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(inform)).send();
            JsonNode informed = eventWithPayload(server, inform);
            assertEquals(EDGE_SERIAL, text(informed, "device"));
            assertEquals("inform", text(informed, "subject"), "the legacy prefix is the second pattern");

            device.subscribeWith().topicFilter("VSR/" + EDGE_SERIAL + "/batch").qos(MqttQos.AT_LEAST_ONCE).send();
            String batch = "{\"set\":{\"interval\":30}}";
            assertEquals(202, postCommand(server, "edge", EDGE_SERIAL, "apply", batch).statusCode());
            Mqtt5Publish command = publishes.receive(WAIT.toSeconds(), TimeUnit.SECONDS).orElseThrow(
                    () -> new AssertionError("no command within " + WAIT));
            assertEquals("VSR/" + EDGE_SERIAL + "/batch", command.getTopic().toString());
            assertEquals(Map.of("command", "apply"), userProperties(command),
                    "the template has no {command}: the name travels as a user property");
            assertArrayEquals(bytes(batch), command.getPayloadAsBytes());
        } finally {
            device.disconnect();
        }
    }

    @Test
    void edgeDeviceIsRefusedTopicsOutsideItsLayoutAndSerialsItMayNotActFor() {
        Mqtt5BlockingClient device = edgeDevice(EDGE_SERIAL);
        device.connect();
        try {
            Mqtt5PubAckException unknownTopic = assertThrows(Mqtt5PubAckException.class, () -> device.publishWith()
                    .topic("foo/bar").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send());
            assertEquals(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID, unknownTopic.getMqttMessage().getReasonCode());

            Mqtt5PubAckException otherSerial = assertThrows(Mqtt5PubAckException.class, () -> device.publishWith()
                    .topic("VSR/other-serial/inform").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send());
            assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, otherSerial.getMqttMessage().getReasonCode(),
                    "other-serial does not list serial-0001 as its gateway");

            Mqtt5SubAckException otherBatch = assertThrows(Mqtt5SubAckException.class, () -> device.subscribeWith()
                    .topicFilter("VSR/other-serial/batch").send());
            assertEquals(List.of(Mqtt5SubAckReasonCode.NOT_AUTHORIZED),
                    otherBatch.getMqttMessage().getReasonCodes());

            Mqtt5SubAckException nothing = assertThrows(Mqtt5SubAckException.class, () -> device.subscribeWith()
                    .topicFilter("nothing/#").send());
            assertEquals(List.of(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID),
                    nothing.getMqttMessage().getReasonCodes(), "can match no rendered command topic");

            assertTrue(device.getState().isConnected(), "refusals are per packet, the connection stays");
        } finally {
            device.disconnect();
        }
    }

    private static Map<String, String> userProperties(Mqtt5Publish publish) {
        return publish.getUserProperties().asList().stream().collect(Collectors.toMap(
                (Mqtt5UserProperty p) -> p.getName().toString(), p -> p.getValue().toString()));
    }

    // --- telemetry adapters: devices/{device_id}/..., no application in the credentials, takeover reject ---

    /** An MQTT 3.1.1 client as the adapters connect: client id = username = device id, the API key as password. */
    private static Mqtt3BlockingClient adapter(String deviceId, String apiKey) {
        Mqtt3BlockingClient client = MqttClient.builder().useMqttVersion3().identifier(deviceId)
                .serverHost("127.0.0.1").serverPort(server.mqttPort()).buildBlocking();
        client.connectWith().simpleAuth().username(deviceId).password(bytes(apiKey)).applySimpleAuth().send();
        return client;
    }

    @Test
    void telemetryAdapterWithoutApplicationInItsCredentialsPublishesTelemetryAndReceivesCommands()
            throws Exception {
        Mqtt3BlockingClient adapter = adapter("sensor-42", "api-key-42");
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = adapter.publishes(MqttGlobalPublishFilter.ALL)) {
            String reading = jsonWithMarker("temperature");
            adapter.publishWith().topic("devices/sensor-42/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes(reading)).send();
            JsonNode event = eventWithPayload(server, reading);
            assertEquals(ADAPTERS, text(event, "application"), "the configured default application");
            assertEquals("sensor-42", text(event, "device"));
            assertEquals("telemetry", text(event, "subject"), "the pattern's fixed channel");

            adapter.subscribeWith().topicFilter("devices/sensor-42/commands").qos(MqttQos.AT_LEAST_ONCE).send();
            String settings = "{\"rate\":5}";
            assertEquals(202, postCommand(server, ADAPTERS, "sensor-42", "configure", settings).statusCode());
            Mqtt3Publish command = publishes.receive(WAIT.toSeconds(), TimeUnit.SECONDS).orElseThrow(
                    () -> new AssertionError("no command within " + WAIT));
            assertEquals("devices/sensor-42/commands", command.getTopic().toString());
            assertArrayEquals(bytes(settings), command.getPayloadAsBytes());
        } finally {
            adapter.disconnect();
        }
    }

    @Test
    void secondConnectionOfAConnectedAdapterIsRefusedAndTheFirstKeepsWorking() throws Exception {
        Mqtt3BlockingClient first = adapter("sensor-43", "api-key-43");

        Mqtt3BlockingClient second311 = MqttClient.builder().useMqttVersion3().identifier("sensor-43")
                .serverHost("127.0.0.1").serverPort(server.mqttPort()).buildBlocking();
        Mqtt3ConnAckException refused311 = assertThrows(Mqtt3ConnAckException.class, () -> second311.connectWith()
                .simpleAuth().username("sensor-43").password(bytes("api-key-43")).applySimpleAuth().send());
        assertEquals(Mqtt3ConnAckReturnCode.IDENTIFIER_REJECTED, refused311.getMqttMessage().getReturnCode());

        Mqtt5BlockingClient second5 = MqttClient.builder().useMqttVersion5().identifier("sensor-43")
                .serverHost("127.0.0.1").serverPort(server.mqttPort()).buildBlocking();
        Mqtt5ConnAckException refused5 = assertThrows(Mqtt5ConnAckException.class, () -> second5.connectWith()
                .simpleAuth().username("sensor-43").password(bytes("api-key-43")).applySimpleAuth().send());
        assertEquals(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID, refused5.getMqttMessage().getReasonCode());

        assertTrue(first.getState().isConnected());
        String stillThere = jsonWithMarker("still-there");
        first.publishWith().topic("devices/sensor-43/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes(stillThere)).send();
        assertEquals("sensor-43", text(eventWithPayload(server, stillThere), "device"),
                "the first connection was not taken over");
        try (Mqtt3BlockingClient.Mqtt3Publishes publishes = first.publishes(MqttGlobalPublishFilter.ALL)) {
            first.subscribeWith().topicFilter("devices/sensor-43/commands").send();
            assertEquals(202, postCommand(server, ADAPTERS, "sensor-43", "ping", "{}").statusCode(),
                    "commands still reach the first connection");
            assertTrue(publishes.receive(WAIT.toSeconds(), TimeUnit.SECONDS).isPresent());
        }
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> eventsOf(server, ADAPTERS, "sensor-43")
                .stream().noneMatch(e -> isConnectionEvent(e, false)));
        first.disconnect();

        Mqtt3BlockingClient next = await().atMost(WAIT).ignoreException(Mqtt3ConnAckException.class)
                .until(() -> adapter("sensor-43", "api-key-43"), c -> c.getState().isConnected());
        String afterwards = jsonWithMarker("afterwards");
        next.publishWith().topic("devices/sensor-43/telemetry").qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes(afterwards)).send();
        assertEquals("sensor-43", text(eventWithPayload(server, afterwards), "device"));
        next.disconnect();
    }

    @Test
    void mqtt311AdapterPublishingOutsideItsLayoutIsDisconnected() {
        Mqtt3BlockingClient adapter = adapter("sensor-44", "api-key-44");
        MqttSessionExpiredException e = assertThrows(MqttSessionExpiredException.class, () -> adapter.publishWith()
                .topic("devices/sensor-44/status").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{}")).send(),
                "MQTT 3.1.1 has no PUBACK reason code: the server closes instead of acknowledging");
        assertInstanceOf(ConnectionClosedException.class, e.getCause());
        await().atMost(WAIT).until(() -> !adapter.getState().isConnected());
    }

    // --- Kubernetes device adaptors: cattle.io/octopus/{namespace}/{name}, MQTT 3.1 (MQIsdp), Paho, will ---

    @Test
    void octopusAdaptorOnMqtt31PublishesRetainedStatusReceivesCommandsAndItsWillFollowsAnUngracefulEnd()
            throws Exception {
        int eventsBefore = eventsOf(server, "octopus", FAN).size();
        org.eclipse.paho.client.mqttv3.MqttClient adaptor = new org.eclipse.paho.client.mqttv3.MqttClient(
                "tcp://127.0.0.1:" + server.mqttPort(), "octopus-fan-adaptor", new MemoryPersistence());
        adaptor.setTimeToWait(WAIT.toMillis());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1);
        options.setCleanSession(true);
        options.setConnectionTimeout((int) WAIT.toSeconds());
        options.setKeepAliveInterval(30);
        options.setUserName(FAN + "@octopus");
        options.setPassword("octopus-secret".toCharArray());
        options.setWill("cattle.io/octopus/default/" + FAN, bytes("offline"), 1, true);
        adaptor.connect(options);
        try {
            String status = jsonWithMarker("phase");
            adaptor.publish("cattle.io/octopus/default/" + FAN, bytes(status), 1, true);
            JsonNode event = eventWithPayload(server, status);
            assertEquals("octopus", text(event, "application"));
            assertEquals(FAN, text(event, "device"));
            assertEquals("status", text(event, "subject"), "the pattern's fixed channel; '+' took the namespace");

            BlockingQueue<Received> commands = new LinkedBlockingQueue<>();
            adaptor.subscribe("cattle.io/octopus/commands/" + FAN + "/+", 0,
                    (topic, message) -> commands.add(new Received(topic, message)));
            String speed = "{\"speed\":\"high\"}";
            assertEquals(202, postCommand(server, "octopus", FAN, "set-speed", speed).statusCode());
            Received command = commands.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(command != null, "no command within " + WAIT);
            assertEquals("cattle.io/octopus/commands/" + FAN + "/set-speed", command.topic());
            assertArrayEquals(bytes(speed), command.message().getPayload());
        } finally {
            // no DISCONNECT packet: the socket just ends
            adaptor.disconnectForcibly(0, 1000, false);
            adaptor.close(true);
        }

        List<JsonNode> after = await().atMost(WAIT).until(() -> eventsOf(server, "octopus", FAN).stream()
                .skip(eventsBefore).collect(Collectors.toList()), l -> l.stream()
                .anyMatch(e -> isConnectionEvent(e, false)));
        List<String> kinds = after.stream().map(e -> isConnectionEvent(e, true) ? "connected"
                : isConnectionEvent(e, false) ? "disconnected" : text(e, "subject") + ":" + payloadText(e))
                .collect(Collectors.toList());
        int will = kinds.indexOf("status:offline");
        assertTrue(will >= 0, "the will became a status event: " + kinds);
        assertEquals("disconnected", kinds.get(will + 1), "the will comes before the disconnection: " + kinds);
        assertEquals(1, kinds.stream().filter("status:offline"::equals).count(), "one will event: " + kinds);
    }

    private record Received(String topic, MqttMessage message) {
    }
}
