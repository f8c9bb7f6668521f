package io.hatchway.events;

import java.util.Map;
import java.util.Objects;

/**
 * How a {@link KafkaSink} reaches Kafka and lays out its records. Immutable; validated when built.
 *
 * @param bootstrapServers the Kafka bootstrap servers, {@code host:port[,host:port...]}
 * @param topic the topic template: {@value #APPLICATION_PLACEHOLDER} is replaced by the event's {@code application}
 *        extension, e.g. {@code "events-{app}"}; the result is then made a valid Kafka topic name (see
 *        {@link KafkaSink})
 * @param mode how the event is laid out in the record, {@link Mode#BINARY} unless configured otherwise
 * @param properties extra Kafka producer properties; they may override the sink's defaults ({@code linger.ms},
 *        timeouts, compression, security, ...) but not the settings the sink's contract depends on (see
 *        {@link KafkaSink#RESERVED_PROPERTIES}, which include {@code acks} and {@code enable.idempotence})
 * @param bufferBytes the producer's {@code buffer.memory}: how many bytes of records may wait for Kafka before sends
 *        fail with {@link SinkFullException}; at least the producer's {@code batch.size}
 */
public record KafkaSinkSettings(String bootstrapServers, String topic, Mode mode, Map<String, String> properties,
                                long bufferBytes) {

    /** The placeholder in {@link #topic()} that stands for the event's application. */
    public static final String APPLICATION_PLACEHOLDER = "{app}";
    /** The topic template of {@link #of}: one topic per application, as Drogue Cloud names them. */
    public static final String DEFAULT_TOPIC = "events-{app}";
    /** The {@link #bufferBytes()} of {@link #of}, Kafka's own default {@code buffer.memory}. */
    public static final long DEFAULT_BUFFER_BYTES = 32L * 1024 * 1024;

    /** How a CloudEvent is laid out in a Kafka record (CloudEvents Kafka protocol binding, section 3). */
    public enum Mode {
        /** Attributes as {@code ce_*} headers, {@code datacontenttype} as {@code content-type}, the data as value. */
        BINARY,
        /** The whole event as JSON in the value, header {@code content-type: application/cloudevents+json}. */
        STRUCTURED
    }

    /**
     * @throws IllegalArgumentException if the servers or topic template are blank or the buffer is not positive
     */
    public KafkaSinkSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(mode, "mode");
        properties = Map.copyOf(Objects.requireNonNull(properties, "properties"));
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers must not be blank");
        }
        if (topic.isBlank()) {
            throw new IllegalArgumentException("topic must not be blank");
        }
        if (bufferBytes < 1) {
            throw new IllegalArgumentException("bufferBytes must be positive, was " + bufferBytes);
        }
    }

    /**
     * Binary mode, no extra properties, a buffer of {@value #DEFAULT_BUFFER_BYTES} bytes.
     *
     * @param bootstrapServers the Kafka bootstrap servers
     * @param topic the topic template, e.g. {@value #DEFAULT_TOPIC}
     * @return the settings
     */
    public static KafkaSinkSettings of(String bootstrapServers, String topic) {
        return new KafkaSinkSettings(bootstrapServers, topic, Mode.BINARY, Map.of(), DEFAULT_BUFFER_BYTES);
    }

    /**
     * @param mode the record layout
     * @return a copy with the given mode
     */
    public KafkaSinkSettings withMode(Mode mode) {
        return new KafkaSinkSettings(bootstrapServers, topic, mode, properties, bufferBytes);
    }

    /**
     * @param properties extra producer properties
     * @return a copy with the given properties instead of the current ones
     */
    public KafkaSinkSettings withProperties(Map<String, String> properties) {
        return new KafkaSinkSettings(bootstrapServers, topic, mode, properties, bufferBytes);
    }

    /**
     * @param bufferBytes the producer's buffer size
     * @return a copy with the given buffer size
     */
    public KafkaSinkSettings withBufferBytes(long bufferBytes) {
        return new KafkaSinkSettings(bootstrapServers, topic, mode, properties, bufferBytes);
    }

    /** The Kafka topic of {@code application}'s events. */
    public String topicOf(String application) {
        return KafkaTopicNames.topicFor(topic, application);
    }
}
