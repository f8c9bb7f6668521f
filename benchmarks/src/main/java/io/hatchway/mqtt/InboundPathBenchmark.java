package io.hatchway.mqtt;

import io.cloudevents.CloudEvent;
import io.hatchway.BenchmarkFixtures;
import io.hatchway.EventLoopThreads;
import io.hatchway.auth.ConnectAuthenticator;
import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.registry.CertificateAuthenticator;
import io.hatchway.registry.PasswordAuthenticator;
import io.hatchway.registry.PskKeys;
import io.hatchway.registry.Registry;
import io.hatchway.transport.MqttChannelInitializer;
import io.hatchway.transport.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The whole inbound path of one PUBLISH through the real pipeline ({@link MqttChannelInitializer}, TCP transport)
 * on an {@link EmbeddedChannel}: bytes → decoder → guard → {@link PublishHandler} (dialect, authorization, payload
 * checks, CloudEvent) → a sink that accepts at once → for QoS 1 the PUBACK, encoded and read back here. The
 * connection's CONNECT was accepted in the setup (device1, password, keep-alive 60 s), with the production defaults
 * for packet size, receive maximum and blocked timeout, and the real file registry. Socket reads and writes are not
 * part of it.
 *
 * <p>Each operation hands the pipeline the encoded PUBLISH as a socket read would (a direct buffer of the default
 * allocator, re-read from the start and retained for the pipeline, so the input is not allocated per operation), then
 * runs the event loop's pending tasks: the sink's completion is dispatched back to the loop with
 * {@code execute()}. The benchmark thread is a Netty thread ({@link EventLoopThreads}), as an event loop's is. The
 * event loop's clock is frozen after the CONNECT (see {@link #setUp}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {EventLoopThreads.EXECUTOR, EventLoopThreads.EXECUTOR_CLASS})
@State(Scope.Thread)
public class InboundPathBenchmark {

    /** PUBACK fixed header byte. */
    private static final byte PUBACK = 0x40;

    @Param({"64", "1024", "16384"})
    int payloadSize;

    @Param({"MQTT_3_1_1", "MQTT_5"})
    MqttVersion protocol;

    @Param({"0", "1"})
    int qos;

    private final NoopSink sink = new NoopSink();
    private BenchmarkFixtures.RegistryFile registry;
    private EmbeddedChannel server;
    private ChannelPipeline pipeline;
    private ByteBuf publish;
    private long operations;

    @Setup
    public void setUp() throws Exception {
        registry = new BenchmarkFixtures.RegistryFile();
        Registry source = registry.registry();
        EventMapper mapper = new EventMapper("bench");
        EndpointMetrics metrics = new EndpointMetrics();
        ConnectedDevices devices = new ConnectedDevices();
        SessionLifecycle lifecycle = new SessionLifecycle(devices, new WillReader(source, mapper), mapper, sink,
                metrics, new DevicePresence(devices));
        MqttServices services = new MqttServices(
                new MqttSettings(BenchmarkFixtures.MAX_PACKET_SIZE, Duration.ofSeconds(10), 32, Duration.ofSeconds(60)),
                source, new ConnectAuthenticator(new PasswordAuthenticator(source, Runnable::run),
                        new CertificateAuthenticator(source, Runnable::run), new PskKeys(source, Clock.systemUTC()),
                        Optional.empty()),
                lifecycle, mapper, sink, metrics);
        server = new EmbeddedChannel(new MqttChannelInitializer(services, Transport.TCP));
        pipeline = server.pipeline();

        server.writeInbound(BenchmarkFixtures.connectBytes(protocol,
                BenchmarkFixtures.DEVICE + "@" + BenchmarkFixtures.APPLICATION, BenchmarkFixtures.PASSWORD));
        server.runPendingTasks();
        ByteBuf connack = server.readOutbound();
        try {
            if (connack == null || connack.getByte(0) != 0x20 || connack.getByte(3) != 0) {
                throw new IllegalStateException("CONNECT not accepted: " + (connack == null ? "no CONNACK"
                        : ByteBufUtil.hexDump(connack)));
            }
        } finally {
            if (connack != null) {
                connack.release();
            }
        }

        // The harness's own cost, not the path's: with the clock running, every runPendingTasks() reads it twice to
        // look for due scheduled tasks (a production event loop does that once per loop turn, not per publish).
        // Frozen, the event loop's ticker answers without a clock read; the path's reads of the wall clock (arrival
        // time) and Micrometer's clock stay real.
        server.freezeTime();
        publish = BenchmarkFixtures.publishBytes(protocol, BenchmarkFixtures.TOPIC, qos, 1,
                BenchmarkFixtures.jsonPayload(payloadSize));
        long before = sink.sent;
        int ackByte = publishOnce();
        if (sink.sent != before + 1 || (qos > 0 && ackByte != PUBACK) || !server.isOpen()) {
            throw new IllegalStateException("PUBLISH not accepted: events " + (sink.sent - before) + ", ack "
                    + ackByte + ", open " + server.isOpen());
        }
        operations = 0;
    }

    @Benchmark
    public void publish(Blackhole blackhole) {
        blackhole.consume(publishOnce());
    }

    /** Feeds one PUBLISH; returns the first byte of the PUBACK (QoS 1), else 0. */
    private int publishOnce() {
        operations++;
        publish.readerIndex(0).retain();
        pipeline.fireChannelRead(publish);
        pipeline.fireChannelReadComplete();
        server.runPendingTasks();
        if (qos == 0) {
            return 0;
        }
        ByteBuf ack = server.readOutbound();
        byte first = ack.getByte(0);
        ack.release();
        return first;
    }

    @TearDown
    public void tearDown() {
        try {
            if (!server.isOpen() || sink.deviceEvents < operations || server.inboundMessages().size() > 0
                    || server.outboundMessages().size() > 0) {
                throw new IllegalStateException("after " + operations + " publishes: open " + server.isOpen()
                        + ", device events " + sink.deviceEvents + ", unread inbound "
                        + server.inboundMessages().size() + ", unread outbound " + server.outboundMessages().size());
            }
            int references = publish.refCnt();
            if (references != 1) {
                throw new IllegalStateException("the input buffer was not released by every operation: refCnt "
                        + references);
            }
        } finally {
            publish.release(publish.refCnt());
            server.finishAndReleaseAll();
            registry.close();
        }
    }

    /** Accepts every event at once, as if durably written. Event-loop only, like the benchmark. */
    private static final class NoopSink implements EventSink {
        private static final CompletableFuture<Void> ACCEPTED = CompletableFuture.completedFuture(null);

        long sent;
        long deviceEvents;

        @Override
        public CompletableFuture<Void> send(CloudEvent event) {
            sent++;
            if (EventMapper.EVENT_TYPE.equals(event.getType())) {
                deviceEvents++;
            }
            return ACCEPTED;
        }

        @Override
        public void close() {
        }
    }
}
