package io.hatchway.mqtt;

import io.cloudevents.CloudEvent;
import io.hatchway.TestServer;
import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.events.SinkException;
import io.hatchway.events.SinkFullException;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.registry.PasswordAuthenticator;
import io.hatchway.registry.Registry;
import io.hatchway.registry.RegistryLoader;
import io.hatchway.registry.RegistrySnapshot;
import io.hatchway.registry.RegistryUnavailableException;
import io.hatchway.transport.MqttChannelInitializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real MQTT pipeline ({@link MqttChannelInitializer}) on an {@link EmbeddedChannel}, fed encoded MQTT bytes,
 * with a sink whose answers the test gives by hand: what the client is told, and when, depending on the sink.
 */
class PublishPipelineTest {

    private static final int RECEIVE_MAXIMUM = 3;
    private static final Duration BLOCKED_TIMEOUT = Duration.ofSeconds(60);
    private static final byte SUCCESS = 0x00;
    private static final byte UNSPECIFIED_ERROR = (byte) 0x80;
    private static final byte NOT_AUTHORIZED = (byte) 0x87;

    @TempDir
    static Path dir;
    static RegistrySnapshot snapshot;

    private final ManualSink sink = new ManualSink();
    private final List<Connection> connections = new ArrayList<>();

    @BeforeAll
    static void loadRegistry() throws Exception {
        Path file = dir.resolve("registry.yaml");
        Files.writeString(file, TestServer.REGISTRY);
        snapshot = RegistryLoader.load(file);
    }

    @AfterEach
    void closeConnections() {
        connections.forEach(Connection::close);
    }

    // --- sink outcomes ---------------------------------------------------------------------------------------

    @Test
    void sinkFailureIsRefusedWithUnspecifiedErrorAndAReasonOnMqtt5() {
        Connection c = connected(MqttVersion.MQTT_5);
        c.send(publish("temp", 1, 1));

        sink.fail(0, new SinkException("disk on fire"));

        MqttMessage ack = c.single();
        assertPubAck(ack, 1, UNSPECIFIED_ERROR);
        String reason = reasonString(ack);
        assertTrue(reason != null && reason.contains("disk on fire"), "reason string: " + reason);
        assertTrue(c.server.isOpen(), "a refused publish does not end an MQTT 5 connection");
    }

    @Test
    void sinkFailureClosesAnMqtt311ConnectionWithoutAcknowledging() {
        Connection c = connected(MqttVersion.MQTT_3_1_1);
        c.send(publish("temp", 1, 1));

        sink.fail(0, new SinkException("disk on fire"));

        assertEquals(List.of(), c.received());
        assertFalse(c.server.isOpen());
    }

    @Test
    void mqtt311ConnectionClosedForARefusalStillSendsTheAcknowledgementsBeforeIt() {
        Connection c = connected(MqttVersion.MQTT_3_1_1);
        c.send(publish("temp", 1, 31));
        c.send(publish("temp", 1, 32));

        // Both answers arrive in one go, as from one sink batch: the PUBACK of 31 is written, then 32 closes.
        sink.complete(0);
        sink.fail(1, new SinkException("disk on fire"));

        assertEquals(List.of(31), c.received().stream().map(PublishPipelineTest::packetId).toList());
        assertFalse(c.server.isOpen());
    }

    @Test
    void aPublishSentBeforeTheConnackDoesNotFreezeTheArrivalTimeOfLaterPublishes() {
        Connection c = open(() -> snapshot);
        // CONNECT and PUBLISH in one read: the PUBLISH waits for the CONNACK and is handled after it.
        c.client.writeOutbound(connect(MqttVersion.MQTT_5, "device1@my-app", "hey-rodney"), publish("temp", 1, 41));
        List<Object> bytes = new ArrayList<>();
        for (Object b = c.client.readOutbound(); b != null; b = c.client.readOutbound()) {
            bytes.add(b);
        }
        c.server.writeInbound(bytes.toArray());
        c.settle();
        assertEquals(1, sink.events.size());
        Instant first = sink.events.get(0).getTime().toInstant();
        while (!Instant.now().isAfter(first)) {
            Thread.onSpinWait();
        }

        c.send(publish("temp", 1, 42));

        // The later read has a time of its own (the keep-alive reads the same time).
        assertTrue(sink.events.get(1).getTime().toInstant().isAfter(first), () -> "second event at "
                + sink.events.get(1).getTime() + ", first at " + first);
    }

    @Test
    void fullSinkHoldsThePublishAndStopsReadingUntilItTakesTheEvent() {
        Connection c = connected(MqttVersion.MQTT_5);
        c.send(publish("temp", 1, 1));

        sink.fail(0, new SinkFullException("queue full"));
        assertEquals(List.of(), c.received(), "a full sink is back-pressure, not a refusal");
        assertFalse(c.server.config().isAutoRead(), "not read while the sink is full");

        c.server.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        c.settle();
        assertEquals(2, sink.sends.size(), "offered again");
        sink.complete(1);
        assertPubAck(c.single(), 1, SUCCESS);
        assertTrue(c.server.config().isAutoRead());
    }

    @Test
    void publishWaitingForTheSinkLongerThanTheBlockedTimeoutEndsTheConnectionAsServerBusy() {
        Connection c = connected(MqttVersion.MQTT_5);
        c.send(publish("temp", 1, 1));
        c.server.advanceTimeBy(BLOCKED_TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
        c.settle();
        List<MqttMessage> out = c.received();
        assertEquals(1, out.size(), "exactly the DISCONNECT: " + out);
        assertEquals(MqttMessageType.DISCONNECT, out.get(0).fixedHeader().messageType());
        assertEquals((byte) 0x89,
                ((MqttReasonCodeAndPropertiesVariableHeader) out.get(0).variableHeader()).reasonCode());
        assertFalse(c.server.isOpen());
    }

    @Test
    void nothingIsAcknowledgedBeforeTheSinkAcceptedTheEvent() {
        Connection c = connected(MqttVersion.MQTT_5);
        c.send(publish("temp", 1, 1));
        c.send(publish("temp", 2, 2));

        assertEquals(2, sink.sends.size(), "both events were handed to the sink");
        assertEquals(List.of(), c.received(), "no PUBACK or PUBREC while the sink has not answered");

        sink.complete(0);
        sink.complete(1);

        List<MqttMessage> acks = c.received();
        assertEquals(2, acks.size());
        assertPubAck(acks.get(0), 1, SUCCESS);
        assertEquals(MqttMessageType.PUBREC, acks.get(1).fixedHeader().messageType());
        assertEquals(2, packetId(acks.get(1)));
    }

    // --- ordering --------------------------------------------------------------------------------------------

    @Test
    void pubAcksLeaveInArrivalOrderWhenTheSinkAnswersOutOfOrder() {
        Connection c = connected(MqttVersion.MQTT_5);
        c.send(publish("temp", 1, 11));
        c.send(publish("temp", 1, 12));

        sink.complete(1);
        assertEquals(List.of(), c.received(), "#12 must wait for #11");

        sink.complete(0);
        List<MqttMessage> acks = c.received();
        assertEquals(2, acks.size());
        assertPubAck(acks.get(0), 11, SUCCESS);
        assertPubAck(acks.get(1), 12, SUCCESS);
    }

    @Test
    void mqtt311PubAcksAlsoLeaveInArrivalOrder() {
        Connection c = connected(MqttVersion.MQTT_3_1_1);
        c.send(publish("temp", 1, 21));
        c.send(publish("temp", 1, 22));
        c.send(publish("temp", 1, 23));

        sink.complete(2);
        sink.complete(1);
        assertEquals(List.of(), c.received());

        sink.complete(0);
        assertEquals(List.of(21, 22, 23), c.received().stream().map(PublishPipelineTest::packetId).toList());
    }

    @Test
    void refusalKnownAtOnceWaitsBehindAnEarlierPublishStillInTheSink() {
        Connection c = connected(MqttVersion.MQTT_5);
        c.send(publish("temp", 1, 31));
        c.send(publish("temp/sensor01", 1, 32)); // device1 is not sensor01's gateway

        assertEquals(1, sink.sends.size(), "the refused publish never reaches the sink");
        assertEquals(List.of(), c.received(), "the refusal of #32 must not overtake #31");

        sink.complete(0);
        List<MqttMessage> acks = c.received();
        assertEquals(2, acks.size());
        assertPubAck(acks.get(0), 31, SUCCESS);
        assertPubAck(acks.get(1), 32, NOT_AUTHORIZED);
    }

    // --- back-pressure ---------------------------------------------------------------------------------------

    @Test
    void socketIsNotReadWhileReceiveMaximumPublishesWaitForTheSink() {
        Connection c = connected(MqttVersion.MQTT_5);
        assertTrue(c.server.config().isAutoRead());
        for (int id = 1; id < RECEIVE_MAXIMUM; id++) {
            c.send(publish("temp", 1, id));
            assertTrue(c.server.config().isAutoRead(), "still reading with " + id + " in flight");
        }
        c.send(publish("temp", 1, RECEIVE_MAXIMUM));
        assertFalse(c.server.config().isAutoRead(), "stops reading at the receive maximum");

        sink.complete(0);
        c.settle();
        assertTrue(c.server.config().isAutoRead(), "reads again once the sink caught up");
        sink.complete(1);
        sink.complete(2);
        assertEquals(RECEIVE_MAXIMUM, c.received().size());
        assertTrue(c.server.config().isAutoRead());
    }

    @Test
    void mqtt5ClientExceedingTheReceiveMaximumIsDisconnectedWithReceiveMaximumExceeded() {
        Connection c = connected(MqttVersion.MQTT_5);
        for (int id = 1; id <= RECEIVE_MAXIMUM + 1; id++) {
            c.send(publish("temp", 1, id));
        }

        MqttMessage disconnect = c.single();
        assertEquals(MqttMessageType.DISCONNECT, disconnect.fixedHeader().messageType());
        assertEquals((byte) 0x93,
                ((MqttReasonCodeAndPropertiesVariableHeader) disconnect.variableHeader()).reasonCode());
        assertFalse(c.server.isOpen());
        assertEquals(RECEIVE_MAXIMUM, sink.sends.size(), "the excess publish is not an event");
    }

    // --- registry --------------------------------------------------------------------------------------------

    @Test
    void unavailableRegistryRefusesConnectWithServerUnavailable() {
        Supplier<RegistrySnapshot> down = () -> {
            throw new RegistryUnavailableException("registry store unreachable");
        };
        Connection v5 = open(down);
        v5.send(connect(MqttVersion.MQTT_5, "device1@my-app", "hey-rodney"));
        MqttMessage connack5 = v5.single();
        assertEquals((byte) 0x88,
                ((MqttConnAckMessage) connack5).variableHeader().connectReturnCode().byteValue());
        assertFalse(v5.server.isOpen());

        Connection v3 = open(down);
        v3.send(connect(MqttVersion.MQTT_3_1_1, "device1@my-app", "hey-rodney"));
        MqttMessage connack3 = v3.single();
        assertEquals((byte) 0x03,
                ((MqttConnAckMessage) connack3).variableHeader().connectReturnCode().byteValue());
        assertFalse(v3.server.isOpen());
        assertEquals(0, sink.sends.size());
    }

    // --- fixture ---------------------------------------------------------------------------------------------

    /** A sink whose device events the test accepts or fails by hand; connection events are accepted at once. */
    private static final class ManualSink implements EventSink {
        final List<CompletableFuture<Void>> sends = new ArrayList<>();
        final List<CloudEvent> events = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<Void> send(CloudEvent event) {
            if (EventMapper.CONNECTION_TYPE.equals(event.getType())) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> future = new CompletableFuture<>();
            sends.add(future);
            events.add(event);
            return future;
        }

        void complete(int index) {
            sends.get(index).complete(null);
        }

        void fail(int index, Throwable cause) {
            sends.get(index).completeExceptionally(cause);
        }

        @Override
        public void close() {
        }
    }

    /** A registry answering from {@code answer}, which may throw. */
    private record FixedRegistry(Supplier<RegistrySnapshot> answer) implements Registry {
        @Override
        public RegistrySnapshot current() {
            return answer.get();
        }

        @Override
        public void onChange(Consumer<RegistrySnapshot> listener) {
        }
    }

    /**
     * One connection: the server pipeline on an EmbeddedChannel, and a client-side codec that encodes what the
     * test sends and decodes what the server writes.
     */
    private final class Connection {
        final EmbeddedChannel server;
        final EmbeddedChannel client = new EmbeddedChannel(new MqttDecoder(), MqttEncoder.INSTANCE);

        Connection(MqttServices services) {
            server = new EmbeddedChannel(new MqttChannelInitializer(services, io.hatchway.transport.Transport.TCP));
        }

        /** Encodes {@code message} as a client would and feeds the bytes to the server. */
        void send(MqttMessage message) {
            client.writeOutbound(message);
            ByteBuf bytes;
            while ((bytes = client.readOutbound()) != null) {
                server.writeInbound(bytes);
            }
            settle();
        }

        /** Lets the server's event loop run whatever was handed back to it (auth results, sink completions). */
        void settle() {
            server.runPendingTasks();
            server.runScheduledPendingTasks();
        }

        /** Everything the server wrote since the last call, decoded. */
        List<MqttMessage> received() {
            settle();
            ByteBuf bytes;
            while ((bytes = server.readOutbound()) != null) {
                client.writeInbound(bytes);
            }
            List<MqttMessage> messages = new ArrayList<>();
            Object message;
            while ((message = client.readInbound()) != null) {
                MqttMessage mqtt = (MqttMessage) message;
                assertTrue(mqtt.decoderResult().isSuccess(), "server wrote an undecodable packet: "
                        + mqtt.decoderResult());
                messages.add(mqtt);
            }
            return messages;
        }

        MqttMessage single() {
            List<MqttMessage> messages = received();
            assertEquals(1, messages.size(), "expected exactly one packet, got " + messages);
            return messages.get(0);
        }

        void close() {
            server.finishAndReleaseAll();
            client.finishAndReleaseAll();
        }
    }

    private Connection open(Supplier<RegistrySnapshot> registry) {
        Registry source = new FixedRegistry(registry);
        MqttServices services = new MqttServices(new MqttSettings(262_144, Duration.ofSeconds(10), RECEIVE_MAXIMUM,
                BLOCKED_TIMEOUT),
                source, new io.hatchway.auth.ConnectAuthenticator(new PasswordAuthenticator(source, Runnable::run),
                        new io.hatchway.registry.CertificateAuthenticator(source, Runnable::run),
                        new io.hatchway.registry.PskKeys(source, java.time.Clock.systemUTC()), Optional.empty()),
                lifecycle(source, sink), new EventMapper("pipeline-test"), sink, new EndpointMetrics());
        Connection connection = new Connection(services);
        connections.add(connection);
        return connection;
    }

    private static SessionLifecycle lifecycle(Registry registry, EventSink sink) {
        ConnectedDevices devices = new ConnectedDevices();
        EventMapper mapper = new EventMapper("pipeline-test");
        return new SessionLifecycle(devices, new WillReader(registry, mapper), mapper, sink, new EndpointMetrics(),
                new DevicePresence(devices));
    }

    /** A connection of device1 whose CONNECT was accepted. */
    private Connection connected(MqttVersion version) {
        Connection c = open(() -> snapshot);
        c.send(connect(version, "device1@my-app", "hey-rodney"));
        MqttMessage connack = c.single();
        assertEquals(SUCCESS, ((MqttConnAckMessage) connack).variableHeader().connectReturnCode().byteValue());
        return c;
    }

    private static MqttMessage connect(MqttVersion version, String username, String password) {
        return MqttMessageBuilders.connect().protocolVersion(version).clientId("pipeline-" + version)
                .cleanSession(true).keepAlive(0).username(username)
                .password(password.getBytes(StandardCharsets.UTF_8)).build();
    }

    private static MqttMessage publish(String topic, int qos, int packetId) {
        return MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos)).messageId(packetId)
                .retained(false).payload(Unpooled.copiedBuffer("{\"n\":" + packetId + "}", StandardCharsets.UTF_8))
                .build();
    }

    private static int packetId(MqttMessage message) {
        return ((MqttMessageIdVariableHeader) message.variableHeader()).messageId();
    }

    private static void assertPubAck(MqttMessage message, int packetId, byte reasonCode) {
        assertEquals(MqttMessageType.PUBACK, message.fixedHeader().messageType(), message.toString());
        assertEquals(packetId, packetId(message));
        byte actual = message.variableHeader() instanceof MqttPubReplyMessageVariableHeader reply
                ? reply.reasonCode() : SUCCESS;
        assertEquals(reasonCode, actual, "reason code of PUBACK " + packetId);
    }

    private static String reasonString(MqttMessage message) {
        MqttProperties.MqttProperty<?> property = ((MqttPubReplyMessageVariableHeader) message.variableHeader())
                .properties().getProperty(MqttProperties.MqttPropertyType.REASON_STRING.value());
        return property == null ? null : (String) property.value();
    }
}
