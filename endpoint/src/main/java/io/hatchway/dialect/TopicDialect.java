package io.hatchway.dialect;

import io.hatchway.registry.Dialect;

import java.util.Optional;

/**
 * How a connection's publish topics are read, for the dialect configured for its device ({@code spec.mqtt.dialect}
 * of the device, else of its application, else {@code drogue/v1}). Stateless and thread-safe.
 */
public interface TopicDialect {

    /** The target of {@code topic}, or empty when the topic is not valid in this dialect. */
    Optional<PublishTarget> parse(String topic);

    /** What a valid topic looks like, for the refusal of an invalid one. */
    String expected();

    /**
     * Where this dialect's commands go: a fleet's own command topic; empty for the dialects that use the Drogue
     * command inbox ({@code command/inbox/<device>/<command>}).
     */
    default Optional<Dialect.Template> commandTemplate() {
        return Optional.empty();
    }

    /** The dialect configured in the registry. */
    static TopicDialect of(Dialect dialect) {
        if (dialect instanceof Dialect.PlainTopic plain) {
            return plain.devicePrefix() ? PlainTopicDialect.WITH_DEVICE_PREFIX : PlainTopicDialect.PLAIN;
        }
        if (dialect instanceof Dialect.Template template) {
            return new TemplateDialect(template);
        }
        return DrogueV1Dialect.INSTANCE;
    }
}
