package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventSerializer;
import io.hatchway.BenchmarkFixtures;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Turning an accepted publish into what a sink writes: the CloudEvent ({@link EventMapper#map}, including the check
 * whether the payload is JSON), the Kafka record in binary mode (the {@code ce_*} headers into a
 * {@link RecordHeaders}, as {@link KafkaSink}'s serializer does) and in structured mode, and the file sink's JSON line
 * ({@link EventLines}). Payloads are device-like JSON, so the event is {@code application/json}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class EventMappingBenchmark {

    private static final String KAFKA_TOPIC = "events-my-app";

    @Param({"64", "1024", "16384"})
    int payloadSize;

    private final EventMapper mapper = new EventMapper("bench");
    private final CloudEventSerializer binary = new CloudEventSerializer();
    private final CloudEventSerializer structured = new CloudEventSerializer();
    private final EventLines lines = new EventLines();
    private final Instant arrival = Instant.now();
    private String application = BenchmarkFixtures.APPLICATION;
    private String device = BenchmarkFixtures.DEVICE;
    private String channel = BenchmarkFixtures.TOPIC;
    private byte[] payload;
    private CloudEvent event;
    private ByteArrayOutputStream batch;

    @Setup
    public void setUp() {
        binary.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
        structured.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.STRUCTURED,
                CloudEventSerializer.EVENT_FORMAT_CONFIG, JsonFormat.CONTENT_TYPE), false);
        payload = BenchmarkFixtures.jsonPayload(payloadSize);
        event = mapper.map(application, device, device, channel, payload, null, arrival);
        if (!EventMapper.APPLICATION_JSON.equals(event.getDataContentType())) {
            throw new IllegalStateException("payload not seen as JSON: " + event.getDataContentType());
        }
        batch = new ByteArrayOutputStream(payloadSize * 2 + 1024);
    }

    /** The CloudEvent of a publish without a declared content type: the payload is checked for JSON. */
    @Benchmark
    public CloudEvent map() {
        return mapper.map(application, device, device, channel, payload, null, arrival);
    }

    /** Kafka binary mode: headers {@code ce_*} and {@code content-type}, the payload as value. */
    @Benchmark
    public void kafkaBinary(Blackhole blackhole) {
        RecordHeaders headers = new RecordHeaders();
        blackhole.consume(binary.serialize(KAFKA_TOPIC, headers, event));
        blackhole.consume(headers);
    }

    /** Kafka structured mode: the event in the CloudEvents JSON format as value. */
    @Benchmark
    public void kafkaStructured(Blackhole blackhole) {
        RecordHeaders headers = new RecordHeaders();
        blackhole.consume(structured.serialize(KAFKA_TOPIC, headers, event));
        blackhole.consume(headers);
    }

    /** The file sink's line: the event in the CloudEvents JSON format, data embedded as JSON, appended to a batch. */
    @Benchmark
    public int fileLine() {
        batch.reset();
        lines.append(event, batch);
        return batch.size();
    }
}
