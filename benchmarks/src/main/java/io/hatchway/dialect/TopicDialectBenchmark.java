package io.hatchway.dialect;

import io.hatchway.registry.Dialect;
import io.hatchway.registry.TopicTemplate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reading a PUBLISH topic with each dialect: where it goes (channel) and for whom (device). Topics are fields, not
 * constants, so the JIT cannot fold the parsing away.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TopicDialectBenchmark {

    private final TopicDialect drogueV1 = TopicDialect.of(Dialect.DROGUE_V1);
    private final TopicDialect plainTopic = TopicDialect.of(new Dialect.PlainTopic(true));
    private final TopicDialect template = TopicDialect.of(new Dialect.Template(List.of(
            new Dialect.Template.PublishPattern(TopicTemplate.parse("VSRE/{device}/{channel}")),
            new Dialect.Template.PublishPattern(TopicTemplate.parse("cattle.io/octopus/+/{device}"), "status")),
            TopicTemplate.parse("VSR/{device}/{command}")));

    private String ownChannel = "telemetry";
    private String channelAndDevice = "telemetry/sensor01";
    private String devicePrefixed = "sensor01/building-a/room-1/temperature";
    private String templateFirst = "VSRE/sensor01/temperature";
    private String templateSecond = "cattle.io/octopus/default/sensor01";

    /** drogue/v1 {@code <channel>}: the connected device publishes for itself. */
    @Benchmark
    public Optional<PublishTarget> drogueV1OwnChannel() {
        return drogueV1.parse(ownChannel);
    }

    /** drogue/v1 {@code <channel>/<device>}: a gateway publishes for a device. */
    @Benchmark
    public Optional<PublishTarget> drogueV1ChannelAndDevice() {
        return drogueV1.parse(channelAndDevice);
    }

    /** plainTopic with device prefix: {@code <device>/<channel...>}. */
    @Benchmark
    public Optional<PublishTarget> plainTopicDevicePrefix() {
        return plainTopic.parse(devicePrefixed);
    }

    /** template: the first pattern matches. */
    @Benchmark
    public Optional<PublishTarget> templateFirstPattern() {
        return template.parse(templateFirst);
    }

    /** template: the first pattern fails, the second (with a {@code +} level and a fixed channel) matches. */
    @Benchmark
    public Optional<PublishTarget> templateSecondPattern() {
        return template.parse(templateSecond);
    }
}
