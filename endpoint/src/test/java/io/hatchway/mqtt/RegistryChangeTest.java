package io.hatchway.mqtt;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Edits of the registry file apply to a running server: to open connections' publishes and to new logins. */
class RegistryChangeTest {

    private static final Duration RELOAD = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void gatewayRemovedFromTheSelectorIsRefusedOnItsOpenConnectionAndAllowedAgainWhenRestored() throws Exception {
        Mqtt5BlockingClient gateway = Clients.connectedV5(server, "gateway01@my-app", "gw-pass");
        assertEquals(Mqtt5PubAckReasonCode.SUCCESS, publishForSensor(gateway, "before"));

        editRegistry("      gatewaySelector: { matchNames: [ gateway01 ] }\n", "");
        await().atMost(RELOAD).until(() -> publishForSensor(gateway, "probe") == Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        String refused = "refused-" + UUID.randomUUID();
        assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, publishForSensor(gateway, refused));
        assertTrue(gateway.getState().isConnected(), "a refused publish does not end the connection");

        Files.writeString(server.registryFile(), TestServer.REGISTRY);
        await().atMost(RELOAD).until(() -> publishForSensor(gateway, "probe") == Mqtt5PubAckReasonCode.SUCCESS);
        String allowed = "allowed-" + UUID.randomUUID();
        assertEquals(Mqtt5PubAckReasonCode.SUCCESS, publishForSensor(gateway, allowed));
        gateway.disconnect();

        assertTrue(server.events().stream().anyMatch(e -> e.toString().contains(allowed)
                && "sensor01".equals(e.get("device").asText())), "the allowed publish became a sensor01 event");
        assertTrue(server.events().stream().noneMatch(e -> e.toString().contains(refused)),
                "the refused publish did not become an event");
    }

    @Test
    void deviceDisabledInTheRegistryIsDisconnectedAsNotAuthorized() throws Exception {
        java.util.concurrent.CompletableFuture<Throwable> cause = new java.util.concurrent.CompletableFuture<>();
        Mqtt5BlockingClient device = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5()
                .serverHost("127.0.0.1").serverPort(server.mqttPort())
                .addDisconnectedListener(ctx -> cause.complete(ctx.getCause())).buildBlocking();
        device.connectWith().simpleAuth().username("lonely@my-app").password(bytes("lonely-pass")).applySimpleAuth()
                .send();

        editRegistry("  - metadata: { name: lonely, application: my-app }\n    spec:\n",
                "  - metadata: { name: lonely, application: my-app }\n    spec:\n      disabled: true\n");
        Throwable why = cause.get(RELOAD.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(why instanceof com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException, "got " + why);
        assertEquals(com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode.NOT_AUTHORIZED,
                ((com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException) why).getMqttMessage()
                        .getReasonCode());
    }

    @Test
    void passwordChangedInTheRegistryAppliesToNewConnections() throws Exception {
        Clients.connectedV5(server, "lonely@my-app", "lonely-pass").disconnect();

        editRegistry("- pass: lonely-pass", "- pass: lonely-new-pass");
        await().atMost(RELOAD).ignoreExceptionsInstanceOf(Mqtt5ConnAckException.class)
                .until(() -> {
                    Clients.connectedV5(server, "lonely@my-app", "lonely-new-pass").disconnect();
                    return true;
                });

        Mqtt5ConnAckException old = assertThrows(Mqtt5ConnAckException.class,
                () -> Clients.connectedV5(server, "lonely@my-app", "lonely-pass"));
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, old.getMqttMessage().getReasonCode());
    }

    /** Rewrites the registry file with one replacement, as an operator editing it would. */
    private void editRegistry(String from, String to) throws Exception {
        String edited = TestServer.REGISTRY.replace(from, to);
        assertNotEquals(TestServer.REGISTRY, edited, "the edit must change the registry");
        Files.writeString(server.registryFile(), edited);
    }

    /** Publishes a QoS 1 event for sensor01 and returns the PUBACK reason code. */
    private static Mqtt5PubAckReasonCode publishForSensor(Mqtt5BlockingClient gateway, String marker) {
        try {
            Mqtt5PublishResult result = gateway.publishWith().topic("temp/sensor01").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("\"" + marker + "\"")).send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }
}
