package io.hatchway.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.hatchway.Clients.bytes;
import static io.hatchway.dialect.FleetEvents.WAIT;
import static io.hatchway.dialect.FleetEvents.eventWithPayload;
import static io.hatchway.dialect.FleetEvents.jsonWithMarker;
import static io.hatchway.dialect.FleetEvents.postCommand;
import static io.hatchway.dialect.FleetEvents.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code plainTopic} dialect, with and without a device prefix, and a device whose own {@code spec.mqtt.dialect}
 * overrides its application's. Commands of the plainTopic dialect use the Drogue command inbox.
 */
class PlainTopicDialectTest {

    private static final String REGISTRY = """
            applications:
              - metadata: { name: plain }
                spec: { mqtt: { dialect: plainTopic } }
              - metadata: { name: prefixed }
                spec: { mqtt: { dialect: { type: plainTopic, devicePrefix: true } } }
              - metadata: { name: mixed }
                spec:
                  mqtt:
                    dialect:
                      type: template
                      publish: [ "fleet/{device}/{channel}" ]
                      commands: "fleet/{device}/cmd/{command}"
            devices:
              - metadata: { name: meter, application: plain }
                spec: { authentication: { credentials: [ { pass: meter-pass } ] } }
              - metadata: { name: gw, application: prefixed }
                spec: { authentication: { credentials: [ { pass: gw-pass } ] } }
              - metadata: { name: sensor, application: prefixed }
                spec: { gatewaySelector: { matchNames: [ gw ] } }
              - metadata: { name: loner, application: prefixed }
              - metadata: { name: templated, application: mixed }
                spec:
                  authentication: { credentials: [ { pass: templated-pass } ] }
                  alias: [ "SN-77" ]
              - metadata: { name: legacy, application: mixed }
                spec:
                  authentication: { credentials: [ { pass: legacy-pass } ] }
                  mqtt: { dialect: plainTopic }
            """;

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, REGISTRY, Duration.ofSeconds(5), Optional.empty());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void publish(Mqtt5BlockingClient client, String topic, String payload) {
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(payload)).send();
    }

    private static Mqtt5PubAckReasonCode refusal(Mqtt5BlockingClient client, String topic) {
        return assertThrows(Mqtt5PubAckException.class, () -> publish(client, topic, "1"), topic)
                .getMqttMessage().getReasonCode();
    }

    private static Mqtt5SubAckReasonCode subscribeRefusal(Mqtt5BlockingClient client, String filter) {
        List<Mqtt5SubAckReasonCode> codes = assertThrows(Mqtt5SubAckException.class,
                () -> client.subscribeWith().topicFilter(filter).send(), filter).getMqttMessage().getReasonCodes();
        assertEquals(1, codes.size());
        return codes.get(0);
    }

    private static Mqtt5Publish receive(Mqtt5BlockingClient.Mqtt5Publishes publishes) throws InterruptedException {
        return publishes.receive(WAIT.toSeconds(), TimeUnit.SECONDS)
                .orElseThrow(() -> new AssertionError("no command within " + WAIT));
    }

    @Test
    void plainTopicIsTheChannelOfTheConnectedDeviceAndCommandsUseTheDrogueInbox() throws Exception {
        Mqtt5BlockingClient meter = Clients.connectedV5(server, "meter@plain", "meter-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = meter.publishes(MqttGlobalPublishFilter.ALL)) {
            String reading = jsonWithMarker("kwh");
            publish(meter, "a/b/c", reading);
            JsonNode event = eventWithPayload(server, reading);
            assertEquals("meter", text(event, "device"));
            assertEquals("a/b/c", text(event, "subject"), "the whole topic, no level read as a device");

            meter.subscribeWith().topicFilter("command/inbox//#").send();
            assertEquals(202, postCommand(server, "plain", "meter", "reset", "{}").statusCode());
            Mqtt5Publish command = receive(publishes);
            assertEquals("command/inbox//reset", command.getTopic().toString());
            assertArrayEquals(bytes("{}"), command.getPayloadAsBytes());
        } finally {
            meter.disconnect();
        }
    }

    @Test
    void devicePrefixNamesTheDeviceAndTheGatewayRuleDecidesWhoMayUseIt() throws Exception {
        Mqtt5BlockingClient gateway = Clients.connectedV5(server, "gw@prefixed", "gw-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = gateway.publishes(MqttGlobalPublishFilter.ALL)) {
            String forSensor = jsonWithMarker("temp");
            publish(gateway, "sensor/temp/now", forSensor);
            JsonNode event = eventWithPayload(server, forSensor);
            assertEquals("sensor", text(event, "device"));
            assertEquals("gw", text(event, "sender"));
            assertEquals("temp/now", text(event, "subject"));

            String forItself = jsonWithMarker("own");
            publish(gateway, "/temp", forItself);
            JsonNode own = eventWithPayload(server, forItself);
            assertEquals("gw", text(own, "device"), "an empty first level is the connected device");
            assertEquals("temp", text(own, "subject"));

            assertEquals(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID, refusal(gateway, "temp"),
                    "a single level names no channel");
            assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED, refusal(gateway, "loner/temp"),
                    "loner does not list gw in its gatewaySelector");

            gateway.subscribeWith().topicFilter("command/inbox/sensor/#").send();
            assertEquals(202, postCommand(server, "prefixed", "sensor", "calibrate", "{\"to\":0}").statusCode());
            Mqtt5Publish command = receive(publishes);
            assertEquals("command/inbox/sensor/calibrate", command.getTopic().toString());
            assertArrayEquals(bytes("{\"to\":0}"), command.getPayloadAsBytes());
            assertEquals(Mqtt5SubAckReasonCode.NOT_AUTHORIZED, subscribeRefusal(gateway, "command/inbox/loner/#"));
            assertTrue(gateway.getState().isConnected());
        } finally {
            gateway.disconnect();
        }
    }

    @Test
    void deviceWithItsOwnDialectReadsItsTopicsWithItWhileItsApplicationKeepsTheTemplate() throws Exception {
        Mqtt5BlockingClient legacy = Clients.connectedV5(server, "legacy@mixed", "legacy-pass");
        Mqtt5BlockingClient templated = Clients.connectedV5(server, "templated@mixed", "templated-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes legacyCommands = legacy.publishes(MqttGlobalPublishFilter.ALL);
             Mqtt5BlockingClient.Mqtt5Publishes templatedCommands =
                     templated.publishes(MqttGlobalPublishFilter.ALL)) {
            String plain = jsonWithMarker("plain");
            publish(legacy, "fleet/legacy/temp", plain);
            JsonNode legacyEvent = eventWithPayload(server, plain);
            assertEquals("legacy", text(legacyEvent, "device"));
            assertEquals("fleet/legacy/temp", text(legacyEvent, "subject"), "read as plainTopic, not the template");

            String fromTemplate = jsonWithMarker("templated");
            publish(templated, "fleet/templated/temp", fromTemplate);
            JsonNode templatedEvent = eventWithPayload(server, fromTemplate);
            assertEquals("templated", text(templatedEvent, "device"));
            assertEquals("temp", text(templatedEvent, "subject"), "the application's template");
            assertEquals(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID, refusal(templated, "a/b"));

            assertEquals(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID, subscribeRefusal(legacy, "fleet/legacy/cmd/+"),
                    "the template's command topic is not legacy's");
            legacy.subscribeWith().topicFilter("command/inbox//#").send();
            templated.subscribeWith().topicFilter("fleet/templated/cmd/+").send();

            assertEquals(202, postCommand(server, "mixed", "legacy", "ping", "{}").statusCode());
            assertEquals("command/inbox//ping", receive(legacyCommands).getTopic().toString());
            assertEquals(202, postCommand(server, "mixed", "templated", "ping", "{}").statusCode());
            assertEquals("fleet/templated/cmd/ping", receive(templatedCommands).getTopic().toString());
        } finally {
            legacy.disconnect();
            templated.disconnect();
        }
    }

    @Test
    void templateSubscriptionNamingTheDeviceByAliasGetsCommandsOnTheAliasTopic() throws Exception {
        Mqtt5BlockingClient templated = Clients.connectedV5(server, "templated@mixed", "templated-pass");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = templated.publishes(MqttGlobalPublishFilter.ALL)) {
            templated.subscribeWith().topicFilter("fleet/SN-77/cmd/+").send();
            assertEquals(202, postCommand(server, "mixed", "templated", "blink", "on").statusCode());
            Mqtt5Publish command = publishes.receive(WAIT.toSeconds(), TimeUnit.SECONDS).orElseThrow();
            assertEquals("fleet/SN-77/cmd/blink", command.getTopic().toString());
        } finally {
            templated.disconnect();
        }
    }
}
