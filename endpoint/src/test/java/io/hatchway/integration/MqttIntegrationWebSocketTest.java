package io.hatchway.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.hatchway.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The MQTT integration listener over WebSocket, for dashboards in browsers that speak MQTT (e.g. MQTT.js). */
class MqttIntegrationWebSocketTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        HatchwayConfig.WebSocket ws = new HatchwayConfig.WebSocket(new BindAddress("127.0.0.1", 0), "/mqtt",
                List.of());
        server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(5), Optional.empty(),
                config -> config.withIntegration(new HatchwayConfig.Integration(Optional.empty(), 100, 1 << 20,
                        Optional.empty(), Optional.of(ws))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Mqtt5BlockingClient overWebSocket() {
        return MqttClient.builder().useMqttVersion5().identifier("dashboard-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(server.port("integrationWs"))
                .webSocketConfig().serverPath("mqtt").subprotocol("mqtt").applyWebSocketConfig()
                .buildBlocking();
    }

    @Test
    void backendOverWebSocketFollowsItsApplicationAndSendsCommands() throws Exception {
        Mqtt5BlockingClient backend = overWebSocket();
        backend.connectWith().simpleAuth().username("backend@my-app").password(bytes("backend-key"))
                .applySimpleAuth().send();
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        try (Mqtt5BlockingClient.Mqtt5Publishes events = backend.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes commands = device.publishes(MqttGlobalPublishFilter.ALL)) {
            backend.subscribeWith().topicFilter("app/my-app/dashboard").qos(MqttQos.AT_LEAST_ONCE).send();
            device.publishWith().topic("dashboard").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"t\":21}")).send();
            Mqtt5Publish event = events.receive(10, TimeUnit.SECONDS).orElseThrow();
            JsonNode json = new ObjectMapper().readTree(event.getPayloadAsBytes());
            assertEquals("device1", json.get("device").asText());
            assertEquals(21, json.get("data").get("t").asInt());

            device.subscribeWith().topicFilter("command/inbox//#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5PublishResult.Mqtt5Qos1Result sent = (Mqtt5PublishResult.Mqtt5Qos1Result) backend.publishWith()
                    .topic("command/my-app/device1/blink").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("{\"times\":3}")).send();
            assertEquals(Mqtt5PubAckReasonCode.SUCCESS, sent.getPubAck().getReasonCode());
            Mqtt5Publish command = commands.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("command/inbox//blink", command.getTopic().toString());
            assertEquals("{\"times\":3}", new String(command.getPayloadAsBytes()));
        } finally {
            device.disconnect();
            backend.disconnect();
        }
    }

    @Test
    void deviceCredentialsAreNotAnApiKey() {
        Mqtt5ConnAckException refused = assertThrows(Mqtt5ConnAckException.class, () -> overWebSocket().connectWith()
                .simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth().send());
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, refused.getMqttMessage().getReasonCode());
    }
}
