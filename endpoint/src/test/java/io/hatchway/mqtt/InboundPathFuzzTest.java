package io.hatchway.mqtt;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.hatchway.auth.ConnectAuthenticator;
import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.events.SinkException;
import io.hatchway.events.SinkFullException;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.registry.CertificateAuthenticator;
import io.hatchway.registry.FileRegistry;
import io.hatchway.registry.PasswordAuthenticator;
import io.hatchway.registry.PskKeys;
import io.hatchway.transport.HandlerNames;
import io.hatchway.transport.MqttChannelInitializer;
import io.hatchway.transport.Transport;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Coverage-guided fuzzing of the inbound path (issue 7, section 4): bytes → {@link MqttDecoder} → guard → session
 * handlers → dialect → CloudEvent → sink, through the production pipeline ({@link MqttChannelInitializer}, TCP
 * transport) on an {@link EmbeddedChannel}, with the real file registry and password authenticator and a sink whose
 * answers the input scripts. Every input is a fresh connection with fresh services; only the registry, the
 * authenticator and the meters are shared.
 *
 * <p>Input layout. {@link FuzzedDataProvider} takes integers from the end of the input and bytes from its start, so
 * an input is {@code [bytes of the client][step controls, last step first][sink script][header]}, one byte each:
 * <ul>
 *   <li>header: bit 0 set sends a valid CONNECT first (and requires it to be accepted), so that the input explores
 *       an established connection; clear, the input's own bytes are the CONNECT. Bits 1-2 pick the login of
 *       {@link #LOGINS}, bit 3 MQTT 5 instead of 3.1.1;</li>
 *   <li>sink script: two bits per event handed to the sink, cycling: 0 accepted at once, 1 accepted at the end of the
 *       step (latest first), 2 {@link SinkFullException}, 3 {@link SinkException};</li>
 *   <li>each step: bits 0-5 how many bytes the client sends (0: all the rest), bits 6-7 how far the event loop's
 *       clock then moves: 0, 30 ms (sink retries), 2 s, 61 s (connect and blocked timeouts). Bytes are read only
 *       while the channel reads (auto-read), as from a socket.</li>
 * </ul>
 *
 * <p>A finding is any of: an exception out of the pipeline, or one other than an I/O error reaching its
 * {@link ExceptionHandler}; a message reaching the end of the pipeline; a buffer of the connection's allocator still
 * referenced after the close; a close that did not go through the {@link Disconnector}; a session being closed that
 * stays open; bytes written that are not a sequence of valid MQTT packets in the version the client asked for
 * (CONNACK first and at most once, no DISCONNECT before MQTT 5, nothing after a refusal or a DISCONNECT); more
 * successful PUBACKs than events the sink accepted; an event without an established session, or not a well-formed
 * CloudEvent of the connected device whose data is the payload of a PUBLISH or will the client sent; connection
 * events out of order.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs once per file in {@code InboundPathFuzzTestInputs/inboundPath} (see
 * {@link InboundPathFuzzSeeds}); the {@code fuzz-inbound-path} execution in {@code endpoint/pom.xml} fuzzes it.
 */
class InboundPathFuzzTest {

    /** One of the fixed CONNECTs of header bit 0. */
    record Login(String username, String password) {
    }

    static final List<Login> LOGINS = List.of(
            new Login("device1@my-app", "hey-rodney"),
            new Login("gateway01@my-app", "gw-pass"),
            new Login("truck1@fleet", "truck-pass"),
            new Login("plain1@plain-app", "plain-pass"));

    static final int FIXED_CONNECT = 0x01;
    static final int MQTT_5 = 0x08;
    static final int LOGIN_SHIFT = 1;

    static final int ACCEPT = 0;
    static final int ACCEPT_LATER = 1;
    static final int FULL = 2;
    static final int FAIL = 3;

    static final int REST = 0;
    static final int MAX_CHUNK = 0x3F;
    static final int TIME_SHIFT = 6;
    private static final long[] TIME_STEPS_MILLIS = {0, 30, 2_000, 61_000};
    private static final int MAX_STEPS = 64;

    static final String CLIENT_ID = "fuzz-client";
    static final int KEEP_ALIVE_SECONDS = 30;

    /** drogue/v1 for my-app, a template dialect for fleet, plainTopic with a device prefix for plain-app. */
    static final String REGISTRY = """
            applications:
              - metadata: { name: my-app }
              - metadata: { name: fleet }
                spec:
                  mqtt:
                    dialect:
                      type: template
                      publish:
                        - "VSRE/{device}/{channel}"
                        - { topic: "octopus/+/{device}", channel: status }
                      commands: "VSR/{device}/{command}"
              - metadata: { name: plain-app }
                spec:
                  mqtt:
                    dialect: { type: plainTopic, devicePrefix: true }
            devices:
              - metadata: { name: device1, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: hey-rodney
                  alias: [ "serial-1234" ]
              - metadata: { name: gateway01, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: gw-pass
              - metadata: { name: sensor01, application: my-app }
                spec:
                  alias: [ "sensor-alias" ]
                  gatewaySelector: { matchNames: [ gateway01 ] }
              - metadata: { name: truck1, application: fleet }
                spec:
                  authentication:
                    credentials:
                      - pass: truck-pass
              - metadata: { name: trailer1, application: fleet }
                spec:
                  gatewaySelector: { matchNames: [ truck1 ] }
              - metadata: { name: plain1, application: plain-app }
                spec:
                  authentication:
                    credentials:
                      - pass: plain-pass
            """;

    private static final String INSTANCE = "fuzz";
    private static final int MAX_PACKET_SIZE = 262_144;
    /** Small, so that back-pressure and Receive Maximum are reached with few bytes. */
    private static final int RECEIVE_MAXIMUM = 4;
    private static final MqttSettings SETTINGS = new MqttSettings(MAX_PACKET_SIZE, Duration.ofSeconds(10),
            RECEIVE_MAXIMUM, Duration.ofSeconds(60));
    private static final EventMapper MAPPER = new EventMapper(INSTANCE);
    private static final byte[] CONNECTED = "{\"connected\":true}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DISCONNECTED = "{\"connected\":false}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    static FileRegistry registry;
    static ConnectAuthenticator authenticator;
    static EndpointMetrics metrics;

    @BeforeAll
    static void openRegistry() throws Exception {
        Path file = dir.resolve("registry.yaml");
        Files.writeString(file, REGISTRY);
        registry = FileRegistry.open(file);
        authenticator = new ConnectAuthenticator(new PasswordAuthenticator(registry, Runnable::run),
                new CertificateAuthenticator(registry, Runnable::run), new PskKeys(registry, Clock.systemUTC()),
                Optional.empty());
        metrics = new EndpointMetrics();
    }

    @AfterAll
    static void closeRegistry() {
        registry.close();
    }

    /** The timeout bounds one input: in fuzzing mode it is libFuzzer's {@code -timeout}, a hang is a finding. */
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    @FuzzTest(maxDuration = "45s")
    void inboundPath(FuzzedDataProvider data) {
        int header = data.consumeInt(0, 255);
        Connection c = new Connection(data.consumeInt(0, 255));
        if ((header & FIXED_CONNECT) != 0) {
            Login login = LOGINS.get((header >>> LOGIN_SHIFT) & 3);
            MqttVersion version = (header & MQTT_5) != 0 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1;
            c.send(InboundPathFuzzSeeds.connect(version, login.username(), login.password()));
            c.readWhileAllowed();
            c.settle();
            assertEquals(SessionState.CONNECTED, c.session().state(), "the fixed CONNECT was not accepted");
        }
        for (int step = 0; data.remainingBytes() > 0 && step < MAX_STEPS; step++) {
            int control = data.consumeInt(0, 255);
            int length = control & MAX_CHUNK;
            c.send(length == REST ? data.consumeRemainingAsBytes() : data.consumeBytes(length));
            c.readWhileAllowed();
            c.sink.completeDeferred();
            c.settle();
            c.advance(TIME_STEPS_MILLIS[control >>> TIME_SHIFT]);
            c.readWhileAllowed();
        }
        c.endAndCheck();
    }

    /** One connection under test, with the client's view of both directions. */
    private static final class Connection {
        final ScriptedSink sink;
        final TrackingAllocator allocator = new TrackingAllocator();
        final CloseProbe closes = new CloseProbe();
        final ExceptionProbe exceptions = new ExceptionProbe();
        final EmbeddedChannel server;
        /** Decodes what the client sent, as the server's decoder does: the payloads events may carry. */
        final EmbeddedChannel mirror = new EmbeddedChannel(new MqttDecoder(MAX_PACKET_SIZE));
        final List<byte[]> payloads = new ArrayList<>();
        final Queue<byte[]> unread = new ArrayDeque<>();
        /** Every byte the server read, in order. */
        final ByteArrayOutputStream delivered = new ByteArrayOutputStream();

        Connection(int sinkScript) {
            sink = new ScriptedSink(sinkScript);
            ConnectedDevices devices = new ConnectedDevices();
            SessionLifecycle lifecycle = new SessionLifecycle(devices, new WillReader(registry, MAPPER), MAPPER, sink,
                    metrics, new DevicePresence(devices));
            MqttServices services = new MqttServices(SETTINGS, registry, authenticator, lifecycle, MAPPER, sink,
                    metrics);
            server = new EmbeddedChannel(new MqttChannelInitializer(services, Transport.TCP));
            server.freezeTime();
            server.config().setAllocator(allocator);
            server.pipeline().addFirst("fuzzCloses", closes);
            server.pipeline().addBefore(HandlerNames.EXCEPTION, "fuzzExceptions", exceptions);
        }

        Session session() {
            return Session.of(server);
        }

        /** The client sends {@code bytes}; the server reads them when it reads. */
        void send(byte[] bytes) {
            if (bytes.length > 0) {
                unread.add(bytes);
            }
        }

        void readWhileAllowed() {
            while (!unread.isEmpty() && server.isOpen() && server.config().isAutoRead()) {
                byte[] bytes = unread.poll();
                mirror.writeInbound(Unpooled.wrappedBuffer(bytes));
                collectPayloads();
                delivered.writeBytes(bytes);
                server.writeInbound(allocator.buffer(bytes.length).writeBytes(bytes));
                checkProbes();
            }
        }

        void settle() {
            server.runPendingTasks();
            server.runScheduledPendingTasks();
            server.checkException();
            checkProbes();
        }

        private void checkProbes() {
            exceptions.check();
            closes.check();
        }

        void advance(long millis) {
            if (millis > 0) {
                server.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
                settle();
                sink.completeDeferred();
                settle();
            }
        }

        private void collectPayloads() {
            for (Object msg = mirror.readInbound(); msg != null; msg = mirror.readInbound()) {
                try {
                    if (msg instanceof MqttPublishMessage publish && publish.decoderResult().isSuccess()) {
                        payloads.add(ByteBufUtil.getBytes(publish.payload()));
                    } else if (msg instanceof MqttConnectMessage connect && connect.decoderResult().isSuccess()
                            && connect.variableHeader().isWillFlag()) {
                        payloads.add(connect.payload().willMessageInBytes());
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
        }

        /** The client stops sending and goes away; then every invariant is checked. */
        void endAndCheck() {
            sink.completeDeferred();
            settle();
            Session session = session();
            if (server.isOpen()) {
                assertTrue(session.state() != SessionState.CLOSING,
                        "the server is ending the connection, but it is still open");
            }
            closes.expectClientClose();
            server.close();
            settle();
            sink.completeDeferred();
            settle();

            List<ByteBuf> written = new ArrayList<>();
            try {
                for (Object msg = server.readOutbound(); msg != null; msg = server.readOutbound()) {
                    if (!(msg instanceof ByteBuf buf)) {
                        ReferenceCountUtil.release(msg);
                        fail("an unencoded " + msg.getClass().getName() + " reached the socket: " + msg);
                        return;
                    }
                    written.add(buf);
                }
                assertTrue(server.inboundMessages().isEmpty(),
                        () -> "messages reached the end of the pipeline unhandled: " + server.inboundMessages());
                ByteBuf all = Unpooled.buffer();
                written.forEach(all::writeBytes);
                byte[] bytes = ByteBufUtil.getBytes(all);
                all.release();
                MqttVersion version = ServerPackets.versionOf(delivered.toByteArray());
                List<MqttMessage> packets = ServerPackets.decode(bytes, version);
                try {
                    ServerPackets.checkOrder(packets, version);
                    checkEvents(session, ServerPackets.successfulPubAcks(packets));
                } finally {
                    packets.forEach(ReferenceCountUtil::release);
                }
            } finally {
                written.forEach(ReferenceCountUtil::release);
                server.finishAndReleaseAll();
                mirror.finishAndReleaseAll();
            }
            checkProbes();
            allocator.checkAllReleased();
        }

        private void checkEvents(Session session, int successfulPubAcks) {
            List<ScriptedSink.Sent> sent = sink.sent;
            if (sent.isEmpty()) {
                assertEquals(0, successfulPubAcks, "PUBACK success without any event accepted by the sink");
                return;
            }
            assertTrue(session.device() != null, "events without an established session: " + sent);
            String application = session.application().name();
            String self = session.device().name();
            Set<String> acceptedDeviceEvents = new HashSet<>();
            Set<String> connected = new HashSet<>();
            Set<String> disconnected = new HashSet<>();
            for (ScriptedSink.Sent s : sent) {
                CloudEvent event = s.event();
                checkWellFormed(event, application, self);
                byte[] data = event.getData().toBytes();
                if (EventMapper.CONNECTION_TYPE.equals(event.getType())) {
                    assertEquals(self, event.getExtension(EventMapper.EXT_DEVICE),
                            "connection event of another device");
                    if (Arrays.equals(CONNECTED, data)) {
                        connected.add(event.getId());
                    } else if (Arrays.equals(DISCONNECTED, data)) {
                        assertTrue(!connected.isEmpty(), "connected:false before connected:true");
                        disconnected.add(event.getId());
                    } else {
                        fail("connection event data " + new String(data, StandardCharsets.UTF_8));
                    }
                } else {
                    assertTrue(connected.size() == 1, "device event before the connection event: " + event);
                    assertTrue(payloads.stream().anyMatch(p -> Arrays.equals(p, data)),
                            () -> "event data is no payload the client sent: " + ByteBufUtil.hexDump(data));
                    if (s.accepted()) {
                        acceptedDeviceEvents.add(event.getId());
                    }
                }
            }
            assertTrue(connected.size() <= 1 && disconnected.size() <= 1,
                    "more than one connection event of a kind: " + connected + " " + disconnected);
            assertEquals(connected.size(), disconnected.size(), "connected:true without connected:false at the end");
            assertTrue(successfulPubAcks <= acceptedDeviceEvents.size(), "PUBACK success for " + successfulPubAcks
                    + " publishes, but the sink accepted " + acceptedDeviceEvents.size() + " events");
        }

        /** CloudEvents 1.0 required and optional attributes, and the Drogue attributes of {@link EventMapper}. */
        private static void checkWellFormed(CloudEvent event, String application, String self) {
            assertEquals(SpecVersion.V1, event.getSpecVersion());
            assertTrue(event.getId() != null && !event.getId().isEmpty(), "id");
            assertTrue(EventMapper.EVENT_TYPE.equals(event.getType())
                    || EventMapper.CONNECTION_TYPE.equals(event.getType()), () -> "type " + event.getType());
            assertTrue(event.getSubject() != null && !event.getSubject().isEmpty(),
                    () -> "subject must be a non-empty string: '" + event.getSubject() + "'");
            assertTrue(event.getTime() != null, "time");
            assertTrue(event.getData() != null, "data");
            // The MQTT 5 Content Type is passed on as it is (README, "CloudEvent format"), RFC 2046 or not.
            assertTrue(event.getDataContentType() != null, "datacontenttype");
            assertEquals(application, event.getExtension(EventMapper.EXT_APPLICATION), "application");
            assertEquals(self, event.getExtension(EventMapper.EXT_SENDER), "sender");
            assertEquals(application + "/" + self, event.getExtension(EventMapper.EXT_PARTITION_KEY), "partitionkey");
            assertEquals(INSTANCE, event.getExtension(EventMapper.EXT_INSTANCE), "instance");
            Object device = event.getExtension(EventMapper.EXT_DEVICE);
            assertTrue(device instanceof String name && registry.current().device(application, name)
                    .filter(d -> d.name().equals(name)).isPresent(), () -> "device is not a device's name: " + device);
            URI source = EventMapper.sourceOf(application, (String) device);
            assertEquals(source, event.getSource(), "source");
        }
    }

    /**
     * A sink answering from the script of the input, on the event loop's thread (the test's): every event handed to
     * it is kept.
     */
    private static final class ScriptedSink implements EventSink {

        record Sent(CloudEvent event, int answer) {
            boolean accepted() {
                return answer == ACCEPT || answer == ACCEPT_LATER;
            }
        }

        final int script;
        final List<Sent> sent = new ArrayList<>();
        final List<CompletableFuture<Void>> deferred = new ArrayList<>();

        ScriptedSink(int script) {
            this.script = script;
        }

        @Override
        public CompletableFuture<Void> send(CloudEvent event) {
            int answer = (script >>> (2 * (sent.size() % 4))) & 3;
            sent.add(new Sent(event, answer));
            return switch (answer) {
                case ACCEPT -> CompletableFuture.completedFuture(null);
                case ACCEPT_LATER -> {
                    CompletableFuture<Void> later = new CompletableFuture<>();
                    deferred.add(later);
                    yield later;
                }
                case FULL -> CompletableFuture.failedFuture(new SinkFullException("fuzz: full"));
                default -> CompletableFuture.failedFuture(new SinkException("fuzz: failed"));
            };
        }

        /** Accepts the events answered later, the latest first. */
        void completeDeferred() {
            while (!deferred.isEmpty()) {
                deferred.remove(deferred.size() - 1).complete(null);
            }
        }

        @Override
        public void close() {
        }
    }

    /** Keeps every buffer the connection allocates, to find those never released. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        private final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private ByteBuf track(ByteBuf buf) {
            allocated.add(buf);
            return buf;
        }

        void checkAllReleased() {
            List<String> leaked = allocated.stream().filter(buf -> buf.refCnt() != 0)
                    .map(buf -> "refCnt " + buf.refCnt() + ": " + ByteBufUtil.hexDump(buf, 0, buf.writerIndex()))
                    .toList();
            assertTrue(leaked.isEmpty(), () -> "buffers never released: " + leaked);
        }
    }

    /**
     * First in the pipeline: every close passes it last. Only the {@link Disconnector} (which marks the session
     * closing first) or the client may close. A failure thrown here would only fail the close's promise: it is kept.
     */
    private static final class CloseProbe extends ChannelDuplexHandler {
        private boolean clientCloses;
        private String violation;

        void expectClientClose() {
            clientCloses = true;
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
            SessionState state = Session.of(ctx.channel()).state();
            if (!clientCloses && state != SessionState.CLOSING && violation == null) {
                violation = "closed without the Disconnector, in state " + state;
            }
            super.close(ctx, promise);
        }

        void check() {
            if (violation != null) {
                fail(violation);
            }
        }
    }

    /**
     * Just before the {@link ExceptionHandler}: an I/O error is what it expects (over TCP: writes failing once the
     * connection is closed, e.g. an acknowledgement written just before a DISCONNECT closes it); anything else is a
     * bug.
     */
    private static final class ExceptionProbe extends ChannelInboundHandlerAdapter {
        private Throwable first;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (first == null && !(cause instanceof IOException)) {
                first = cause;
            }
            ctx.fireExceptionCaught(cause);
        }

        void check() {
            if (first != null) {
                throw new AssertionError("an exception reached the ExceptionHandler", first);
            }
        }
    }
}
