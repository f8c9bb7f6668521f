package io.hatchway.dialect;

import java.util.Optional;

/**
 * The plain-topic dialect: the whole topic is the channel and the device is the connected one. With the device
 * prefix, the first level names the device ({@code <device>/<channel...>}; an empty first level means the
 * connected device) and the rest is the channel; a single level is invalid.
 */
final class PlainTopicDialect implements TopicDialect {

    static final PlainTopicDialect PLAIN = new PlainTopicDialect(false);
    static final PlainTopicDialect WITH_DEVICE_PREFIX = new PlainTopicDialect(true);

    private final boolean devicePrefix;

    private PlainTopicDialect(boolean devicePrefix) {
        this.devicePrefix = devicePrefix;
    }

    @Override
    public Optional<PublishTarget> parse(String topic) {
        if (topic.isEmpty()) {
            return Optional.empty();
        }
        if (!devicePrefix) {
            return Optional.of(new PublishTarget(topic, null));
        }
        int slash = topic.indexOf('/');
        if (slash < 0 || slash == topic.length() - 1) {
            return Optional.empty();
        }
        String channel = topic.substring(slash + 1);
        return Optional.of(new PublishTarget(channel, slash == 0 ? null : topic.substring(0, slash)));
    }

    @Override
    public String expected() {
        return devicePrefix ? "topic must be <device>/<channel...> (an empty <device> means the connected one)"
                : "topic must not be empty";
    }
}
