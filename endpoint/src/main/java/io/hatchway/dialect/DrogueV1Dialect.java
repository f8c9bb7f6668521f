package io.hatchway.dialect;

import java.util.Optional;

/**
 * The Drogue V1 topic dialect: {@code <channel>} publishes as the connected device, {@code <channel>/<device>} on
 * behalf of {@code <device>}. Anything else (empty topic, empty levels, more than two levels) is invalid.
 */
public final class DrogueV1Dialect implements TopicDialect {

    public static final DrogueV1Dialect INSTANCE = new DrogueV1Dialect();

    private DrogueV1Dialect() {
    }

    @Override
    public Optional<PublishTarget> parse(String topic) {
        int slash = topic.indexOf('/');
        if (slash < 0) {
            return topic.isEmpty() ? Optional.empty() : Optional.of(new PublishTarget(topic, null));
        }
        if (slash == 0 || slash == topic.length() - 1 || topic.indexOf('/', slash + 1) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new PublishTarget(topic.substring(0, slash), topic.substring(slash + 1)));
    }

    @Override
    public String expected() {
        return "topic must be <channel> or <channel>/<device>";
    }
}
