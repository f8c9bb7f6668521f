package io.hatchway.transport;

import io.hatchway.BenchmarkFixtures;
import io.hatchway.EventLoopThreads;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
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

import java.util.concurrent.TimeUnit;

/**
 * Decoding one PUBLISH from bytes with Netty's {@link MqttDecoder}, configured as {@link MqttChannelInitializer}
 * does. The decoder learns the protocol version from the CONNECT, so one is decoded first; each operation then feeds
 * the same encoded PUBLISH (a direct buffer of the default allocator, re-read from the start and retained for the
 * decoder) as a socket read would, and releases the decoded message. The benchmark thread is a Netty thread
 * ({@link EventLoopThreads}), as an event loop's is.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {EventLoopThreads.EXECUTOR, EventLoopThreads.EXECUTOR_CLASS})
@State(Scope.Thread)
public class MqttDecodeBenchmark {

    @Param({"64", "1024", "16384"})
    int payloadSize;

    @Param({"MQTT_3_1_1", "MQTT_5"})
    MqttVersion protocol;

    @Param({"0", "1"})
    int qos;

    private EmbeddedChannel channel;
    private ChannelPipeline pipeline;
    private ByteBuf publish;

    @Setup
    public void setUp() {
        channel = new EmbeddedChannel(new MqttDecoder(BenchmarkFixtures.MAX_PACKET_SIZE));
        pipeline = channel.pipeline();
        channel.writeInbound(BenchmarkFixtures.connectBytes(protocol, BenchmarkFixtures.DEVICE,
                BenchmarkFixtures.PASSWORD));
        MqttMessage connect = channel.readInbound();
        try {
            if (!connect.decoderResult().isSuccess()
                    || connect.fixedHeader().messageType() != MqttMessageType.CONNECT) {
                throw new IllegalStateException("CONNECT not decoded: " + connect);
            }
        } finally {
            ReferenceCountUtil.release(connect);
        }
        publish = BenchmarkFixtures.publishBytes(protocol, BenchmarkFixtures.TOPIC, qos, 1,
                BenchmarkFixtures.jsonPayload(payloadSize));
        MqttPublishMessage first = decode();
        try {
            if (!first.decoderResult().isSuccess() || first.payload().readableBytes() != payloadSize
                    || first.fixedHeader().qosLevel().value() != qos) {
                throw new IllegalStateException("PUBLISH not decoded: " + first);
            }
        } finally {
            first.release();
        }
    }

    @Benchmark
    public void decodePublish(Blackhole blackhole) {
        MqttPublishMessage message = decode();
        blackhole.consume(message.variableHeader());
        blackhole.consume(message.payload().readableBytes());
        message.release();
    }

    private MqttPublishMessage decode() {
        publish.readerIndex(0).retain();
        pipeline.fireChannelRead(publish);
        pipeline.fireChannelReadComplete();
        return channel.readInbound();
    }

    @TearDown
    public void tearDown() {
        int references = publish.refCnt();
        publish.release(references);
        channel.finishAndReleaseAll();
        if (references != 1) {
            throw new IllegalStateException("the input buffer was not released by every operation: refCnt "
                    + references);
        }
    }
}
