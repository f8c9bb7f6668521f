package io.hatchway.registry;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a connection's topics are read: which device a PUBLISH is for and on which channel, and where commands are
 * delivered. Set per application in {@code spec.mqtt.dialect} and overridable per device (see
 * {@link RegistrySnapshot#effectiveDialect}); the default is {@link #DROGUE_V1}.
 *
 * <p>Immutable values, safe to share between threads; equal when their configuration is equal.
 */
public sealed interface Dialect {

    /** The default dialect. */
    Dialect DROGUE_V1 = new DrogueV1();

    /** The name used for {@code type} in the registry: {@code drogue/v1}, {@code plainTopic} or {@code template}. */
    String type();

    /** {@code drogue/v1}: Drogue Cloud's topics ({@code telemetry}, {@code command/inbox}, ...). */
    record DrogueV1() implements Dialect {
        @Override
        public String type() {
            return "drogue/v1";
        }
    }

    /**
     * {@code plainTopic}: the whole topic is the channel and the device is the connected one; with
     * {@code devicePrefix} the first level names the device and the rest is the channel.
     */
    record PlainTopic(boolean devicePrefix) implements Dialect {
        @Override
        public String type() {
            return "plainTopic";
        }
    }

    /**
     * {@code template}: the fleet's own layout. A PUBLISH is read with the first of {@code publish} that matches its
     * topic ({@link #matchPublish}); commands are delivered on {@code commands} rendered for the device and, if it
     * has a {@code {command}} level, the command name ({@link #commandTopic}).
     *
     * @param publish  at least one pattern, tried in order
     * @param commands a template with exactly one {@code {device}} level, at most one {@code {command}} level and
     *                 neither {@code {channel}} nor {@code +}
     */
    record Template(List<PublishPattern> publish, TopicTemplate commands) implements Dialect {
        public Template {
            publish = List.copyOf(publish);
            Objects.requireNonNull(commands, "commands");
            if (publish.isEmpty()) {
                throw new IllegalArgumentException("needs at least one publish pattern");
            }
            checkCommands(commands);
        }

        /** The device and channel of a PUBLISH topic: those of the first pattern matching it. */
        public Optional<PublishTarget> matchPublish(String topic) {
            for (PublishPattern pattern : publish) {
                Optional<PublishTarget> target = pattern.match(topic);
                if (target.isPresent()) {
                    return target;
                }
            }
            return Optional.empty();
        }

        /** Whether the command name is part of the command topic (else it travels as a user property). */
        public boolean commandInTopic() {
            return commands.has(TopicTemplate.COMMAND);
        }

        /**
         * The topic a command for {@code device} is delivered on.
         *
         * @throws IllegalArgumentException if the device or command name cannot be a topic level (see
         *                                  {@link TopicTemplate#render})
         */
        public String commandTopic(String device, String command) {
            return commandInTopic()
                    ? commands.render(Map.of(TopicTemplate.DEVICE, device, TopicTemplate.COMMAND, command))
                    : commands.render(Map.of(TopicTemplate.DEVICE, device));
        }

        @Override
        public String type() {
            return "template";
        }

        /** Checks the rules for a commands template; the message says what is wrong. */
        static void checkCommands(TopicTemplate commands) {
            if (!commands.has(TopicTemplate.DEVICE)) {
                throw new IllegalArgumentException("needs a {device} level");
            }
            if (commands.has(TopicTemplate.CHANNEL)) {
                throw new IllegalArgumentException("{channel} is for publish patterns; commands have {device}"
                        + " and optionally {command}");
            }
            if (commands.hasWildcardLevels()) {
                throw new IllegalArgumentException("'+' is not allowed: a command topic must be concrete");
            }
        }

        /**
         * One publish pattern: a template with one {@code {device}} level and either a {@code {channel}} level or a
         * fixed {@code channel}, never both.
         *
         * @param topic   the template; no {@code {command}}
         * @param channel the fixed channel, or null when {@code topic} has {@code {channel}}
         */
        public record PublishPattern(TopicTemplate topic, String channel) {
            public PublishPattern {
                Objects.requireNonNull(topic, "topic");
                if (!topic.has(TopicTemplate.DEVICE)) {
                    throw new IllegalArgumentException("needs a {device} level");
                }
                if (topic.has(TopicTemplate.COMMAND)) {
                    throw new IllegalArgumentException("{command} is only for the commands template");
                }
                if (channel != null && channel.isEmpty()) {
                    throw new IllegalArgumentException("the fixed channel must not be empty");
                }
                if (channel != null && topic.has(TopicTemplate.CHANNEL)) {
                    throw new IllegalArgumentException("has both a {channel} level and a fixed channel; keep one");
                }
                if (channel == null && !topic.has(TopicTemplate.CHANNEL)) {
                    throw new IllegalArgumentException("needs a {channel} level or a fixed channel"
                            + " ({ topic: ..., channel: ... })");
                }
            }

            /** A pattern whose topic has a {@code {channel}} level. */
            public PublishPattern(TopicTemplate topic) {
                this(topic, null);
            }

            /** The device and channel of {@code topic}, if it matches. */
            public Optional<PublishTarget> match(String topicName) {
                Optional<Map<String, String>> values = topic.match(topicName);
                if (values.isEmpty()) {
                    return Optional.empty();
                }
                Map<String, String> found = values.get();
                return Optional.of(new PublishTarget(found.get(TopicTemplate.DEVICE),
                        channel != null ? channel : found.get(TopicTemplate.CHANNEL)));
            }
        }

        /**
         * What a publish pattern read from a topic.
         *
         * @param device the {@code {device}} level as written: a device name or alias, not yet looked up
         * @param channel the channel
         */
        public record PublishTarget(String device, String channel) {
            public PublishTarget {
                Objects.requireNonNull(device, "device");
                Objects.requireNonNull(channel, "channel");
            }
        }
    }
}
