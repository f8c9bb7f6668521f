package io.hatchway.events;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hatchway.Clients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hatchway with the Kafka sink against a real KRaft broker in the test JVM: what devices were told is what Kafka
 * has, across a broker restart; blocked devices are let go; commands cross instances.
 */
class KafkaEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static KafkaTestBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        kafka.close();
    }

    private static TestServer hatchway(Path dir, String instance, Duration blockedTimeout) throws Exception {
        UnaryOperator<HatchwayConfig> withKafka = config -> new HatchwayConfig(
                new HatchwayConfig.Mqtt(config.mqtt().bind(), config.mqtt().maxPacketSize(),
                        config.mqtt().connectTimeout(), config.mqtt().receiveMaximum(), Optional.empty(),
                        blockedTimeout),
                config.http(), config.registryFile(),
                new HatchwayConfig.Events(HatchwayConfig.Sink.KAFKA, null, 10_000,
                        KafkaSinkSettings.of(kafka.bootstrapServers(), "events-{app}"), null, "iot-commands"),
                instance).withIntegration(new HatchwayConfig.Integration(
                        Optional.of(new BindAddress("127.0.0.1", 0)), 1_000));
        TestServer server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(5), Optional.empty(),
                withKafka);
        await().atMost(Duration.ofSeconds(30)).until(() -> ready(server));
        return server;
    }

    private static boolean ready(TestServer server) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    /** The markers of the events in the application's topic. */
    private static Set<String> inKafka(String app, int atLeast) {
        return kafka.read("events-" + app, atLeast).stream().map(ConsumerRecord::value)
                .map(value -> new String(value, StandardCharsets.UTF_8)).collect(Collectors.toSet());
    }

    @Test
    void everyAcknowledgedPublishIsInKafkaAfterABrokerRestartAndNothingIsAcknowledgedWhileItIsDown(
            @TempDir Path here) throws Exception {
        try (TestServer server = hatchway(here, "restart", Duration.ofSeconds(60))) {
            Mqtt5AsyncClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney").toAsync();
            String run = UUID.randomUUID().toString();
            Set<String> acked = ConcurrentHashMap.newKeySet();
            List<CompletableFuture<?>> publishes = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                publishes.add(publish(device, run + "-a" + i, acked));
            }
            CompletableFuture.allOf(publishes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

            kafka.stopBroker();
            int ackedBeforeOutage = acked.size();
            List<CompletableFuture<?>> duringOutage = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                duringOutage.add(publish(device, run + "-b" + i, acked));
            }
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> acked.size() == ackedBeforeOutage);

            kafka.startBroker();
            CompletableFuture.allOf(duringOutage.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertEquals(70, acked.size(), "every publish was acknowledged once Kafka was back");
            Set<String> stored = inKafka("my-app", 70);
            for (String marker : acked) {
                assertTrue(stored.contains("\"" + marker + "\""), marker + " was acknowledged but is not in Kafka");
            }
            device.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    private static CompletableFuture<?> publish(Mqtt5AsyncClient device, String marker, Set<String> acked) {
        return device.publishWith().topic("run").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("\"" + marker + "\""))
                .send().thenAccept(result -> {
                    if (result.getError().isEmpty()) {
                        acked.add(marker);
                    }
                });
    }

    @Test
    void deviceBlockedLongerThanTheBoundIsDisconnectedAsServerBusyWhileOthersCanStillConnect(@TempDir Path here)
            throws Exception {
        try (TestServer server = hatchway(here, "blocked", Duration.ofSeconds(2))) {
            CompletableFuture<Throwable> why = new CompletableFuture<>();
            Mqtt5BlockingClient device = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1")
                    .serverPort(server.mqttPort()).addDisconnectedListener(ctx -> why.complete(ctx.getCause()))
                    .buildBlocking();
            device.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney"))
                    .applySimpleAuth().send();
            kafka.stopBroker();
            try {
                for (int i = 0; i < 40; i++) {
                    device.toAsync().publishWith().topic("blocked").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(bytes(Integer.toString(i))).send();
                }
                // the endpoint still serves other applications' devices while Kafka is away
                Mqtt5BlockingClient other = Clients.connectedV5(server, "other1@second-app", "other-pass");
                other.publishWith().topic("qos0").qos(MqttQos.AT_MOST_ONCE).payload(bytes("1")).send();
                other.subscribeWith().topicFilter("command/inbox//#").send();
                other.disconnect();
                Throwable cause = why.get(15, TimeUnit.SECONDS);
                assertTrue(cause instanceof Mqtt5DisconnectException, "got " + cause);
                assertEquals(Mqtt5DisconnectReasonCode.SERVER_BUSY,
                        ((Mqtt5DisconnectException) cause).getMqttMessage().getReasonCode());
            } finally {
                kafka.startBroker();
            }
        }
    }

    @Test
    void mqtt311PublishesWaitThroughAnOutageAndAreAcknowledgedOnceKafkaIsBack(@TempDir Path here)
            throws Exception {
        try (TestServer server = hatchway(here, "v3-outage", Duration.ofSeconds(60))) {
            com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient device = Clients.connectedV3(server, "gateway01@my-app",
                    "gw-pass").toAsync();
            String run = UUID.randomUUID().toString();
            kafka.stopBroker();
            List<CompletableFuture<?>> sent = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 40; i++) {
                    sent.add(device.publishWith().topic("v3").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(bytes("\"" + run + "-" + i + "\"")).send());
                }
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                        .until(() -> sent.stream().noneMatch(CompletableFuture::isDone));
            } finally {
                kafka.startBroker();
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            Set<String> stored = inKafka("my-app", 40);
            for (int i = 0; i < 40; i++) {
                assertTrue(stored.contains("\"" + run + "-" + i + "\""), "publish " + i + " not in Kafka");
            }
            device.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void acknowledgementArrivingAfterTheDeviceLeftCausesNoHarm(@TempDir Path here) throws Exception {
        try (TestServer server = hatchway(here, "late-ack", Duration.ofSeconds(60))) {
            String marker = UUID.randomUUID().toString();
            kafka.stopBroker();
            try {
                Mqtt5BlockingClient device = Clients.connectedV5(server, "lonely@my-app", "lonely-pass");
                device.toAsync().publishWith().topic("late").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("\"" + marker + "\"")).send();
                device.disconnect();
            } finally {
                kafka.startBroker();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> inKafka("my-app", 1).contains("\"" + marker + "\""));
            Mqtt5BlockingClient again = Clients.connectedV5(server, "lonely@my-app", "lonely-pass");
            again.publishWith().topic("after").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("1")).send();
            again.disconnect();
        }
    }

    @Test
    void commandSentToOneInstanceReachesTheDeviceConnectedToAnother(@TempDir Path a, @TempDir Path b)
            throws Exception {
        try (TestServer first = hatchway(a, "instance-a", Duration.ofSeconds(60));
             TestServer second = hatchway(b, "instance-b", Duration.ofSeconds(60))) {
            Mqtt5BlockingClient device = Clients.connectedV5(second, "device1@my-app", "hey-rodney");
            try (Mqtt5BlockingClient.Mqtt5Publishes commands = device.publishes(MqttGlobalPublishFilter.ALL)) {
                device.subscribeWith().topicFilter("command/inbox//#").send();
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + first.httpPort() + "/api/command/v1alpha1/apps/my-app/devices/device1?command=open"))
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString("door-3")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(202, response.statusCode(), response.body());
                Mqtt5Publish command = commands.receive(20, TimeUnit.SECONDS).orElseThrow();
                assertEquals("command/inbox//open", command.getTopic().toString());
                assertEquals("door-3", new String(command.getPayloadAsBytes(), StandardCharsets.UTF_8));
                assertEquals("text/plain", command.getContentType().orElseThrow().toString());
            } finally {
                device.disconnect();
            }
            HttpResponse<String> unknown = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + first.httpPort() + "/api/command/v1alpha1/apps/my-app/devices/nobody?command=open"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, unknown.statusCode());
        }
    }

    @Test
    void backendConnectedToOneInstanceSeesTheEventsOfADeviceConnectedToAnother(@TempDir Path a, @TempDir Path b)
            throws Exception {
        try (TestServer first = hatchway(a, "instance-a", Duration.ofSeconds(60));
             TestServer second = hatchway(b, "instance-b", Duration.ofSeconds(60))) {
            Mqtt5BlockingClient backend = MqttClient.builder().useMqttVersion5().identifier("backend-a")
                    .serverHost("127.0.0.1").serverPort(first.port("integration")).buildBlocking();
            backend.connectWith().simpleAuth().username("backend@my-app").password(Clients.bytes("backend-key"))
                    .applySimpleAuth().send();
            Mqtt5BlockingClient device = Clients.connectedV5(second, "device1@my-app", "hey-rodney");
            try (Mqtt5BlockingClient.Mqtt5Publishes events = backend.publishes(MqttGlobalPublishFilter.ALL)) {
                backend.subscribeWith().topicFilter("app/my-app/across").qos(MqttQos.AT_LEAST_ONCE).send();
                // Published right after the SUBACK, before the feed of instance-a has even assigned the topic: it
                // still arrives, since the feed reads from when the application was first followed.
                device.publishWith().topic("across").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.bytes("{\"n\":1}"))
                        .send();
                JsonNode event = new ObjectMapper().readTree(events.receive(30, TimeUnit.SECONDS)
                        .orElseThrow(() -> new AssertionError("no event")).getPayloadAsBytes());
                assertTrue(event != null, "no event of the device on instance-b reached the backend on instance-a");
                assertEquals("device1", event.get("device").asText());
                assertEquals("instance-b", event.get("instance").asText(), "the device's instance made it");
                assertEquals("across", event.get("subject").asText());
            } finally {
                device.disconnect();
                backend.disconnect();
            }
        }
    }
    @Test
    void sharedGroupSpanningTwoInstancesGetsEachEventOnceThroughAKafkaConsumerGroup(@TempDir Path a,
                                                                                   @TempDir Path b)
            throws Exception {
        try (TestServer first = hatchway(a, "instance-a", Duration.ofSeconds(60));
             TestServer second = hatchway(b, "instance-b", Duration.ofSeconds(60))) {
            List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Mqtt5BlockingClient> members = new java.util.ArrayList<>();
            for (TestServer instance : List.of(first, second)) {
                members.add(member(instance, "member-" + UUID.randomUUID(), "$share/workers/app/my-app/shared",
                        received));
            }
            Mqtt5BlockingClient device = Clients.connectedV5(first, "device1@my-app", "hey-rodney");
            warmUp(device, "shared", received);
            Set<String> sent = new java.util.HashSet<>();
            for (int i = 0; i < 20; i++) {
                sent.add("e" + i);
                device.publishWith().topic("shared").qos(MqttQos.AT_LEAST_ONCE).payload(Clients.bytes("\"e" + i + "\""))
                        .send();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> counted(received).size() >= 20);
            Thread.sleep(1_000);
            assertEquals(20, counted(received).size(), "each event once across both instances: " + received);
            assertEquals(sent, new java.util.HashSet<>(counted(received)));
            device.disconnect();
            members.forEach(Mqtt5BlockingClient::disconnect);
        }
    }
    @Test
    void eventsAMemberLeftUndeliveredGoToTheRestOfItsGroup(@TempDir Path a) throws Exception {
        try (TestServer instance = hatchway(a, "instance-a", Duration.ofSeconds(60))) {
            List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
            Mqtt5BlockingClient member = member(instance, "member-ok", "$share/careful/app/my-app/handover", received);
            Mqtt5BlockingClient device = Clients.connectedV5(instance, "device1@my-app", "hey-rodney");
            warmUp(device, "handover", received);
            // A second member that takes its turns at QoS 1 and never acknowledges, then goes away.
            try (RawMqttClient careless = new RawMqttClient(instance.port("integration"))) {
                careless.send(RawMqttClient.connect("MQTT", 5, "member-careless", "backend@my-app", "backend-key", 60));
                assertEquals(0x00, careless.readPacket()[3], "CONNACK");
                careless.send(RawMqttClient.packet(0x82, RawMqttClient.concat(new byte[] {0x00, 0x01, 0x00},
                        RawMqttClient.string("$share/careful/app/my-app/handover"), new byte[] {0x01})));
                assertEquals((byte) 0x90, careless.readPacket()[0], "SUBACK");
                for (int i = 0; i < 10; i++) {
                    device.publishWith().topic("handover").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(Clients.bytes("\"e" + i + "\"")).send();
                }
                assertEquals(0x32, careless.readPacket()[0] & 0xFF, "the careless member got its turn");
            }
            Set<String> sent = new java.util.HashSet<>();
            for (int i = 0; i < 10; i++) {
                sent.add("e" + i);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> new java.util.HashSet<>(counted(received))
                    .containsAll(sent));
            device.disconnect();
            member.disconnect();
        }
    }

    /** A backend of my-app on {@code instance}'s integration listener, subscribed to {@code filter} at QoS 1. */
    private static Mqtt5BlockingClient member(TestServer instance, String clientId, String filter,
                                              List<String> received) {
        Mqtt5BlockingClient member = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(instance.port("integration")).buildBlocking();
        member.connectWith().simpleAuth().username("backend@my-app").password(Clients.bytes("backend-key"))
                .applySimpleAuth().send();
        member.toAsync().publishes(MqttGlobalPublishFilter.ALL, publish -> {
            try {
                received.add(new ObjectMapper().readTree(publish.getPayloadAsBytes()).get("data").asText());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        member.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
        return member;
    }

    /**
     * A new consumer group starts at the end of the topic once it has its partitions: publishes warm-up events on
     * {@code channel} until one comes through.
     */
    private static void warmUp(Mqtt5BlockingClient device, String channel, List<String> received)
            throws InterruptedException {
        for (int i = 0; i < 60 && received.isEmpty(); i++) {
            device.publishWith().topic(channel).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(Clients.bytes("\"warm-up\"")).send();
            Thread.sleep(500);
        }
        assertTrue(!received.isEmpty(), "the shared group never received an event");
    }

    /** The counted events (e0, e1, ...), without the warm-up ones. */
    private static List<String> counted(List<String> received) {
        return received.stream().filter(data -> data.startsWith("e")).toList();
    }
}
