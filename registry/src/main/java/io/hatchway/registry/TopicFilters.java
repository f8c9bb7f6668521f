package io.hatchway.registry;

import java.util.Optional;

/**
 * MQTT subscription filters: validity, matching against topic names, and how a filter relates to a
 * {@link TopicTemplate} for commands. Pure string logic; stateless and thread-safe.
 *
 * <p>Rules (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7): levels are separated by {@code /} and may be empty;
 * {@code +} matches exactly one level (an empty one too); {@code #} matches the remaining levels including none, so
 * {@code a/#} matches {@code a}; wildcards occupy a whole level and {@code #} only the last one [MQTT-4.7.1-2,
 * MQTT-4.7.1-3]; a filter whose first level is a wildcard does not match topic names starting with {@code $}
 * [MQTT-4.7.2-1]. Topic names hold no wildcards [MQTT-4.7.1-1]; names and filters are non-empty [MQTT-4.7.3-1] and
 * hold no U+0000 [MQTT-4.7.3-2]. An invalid filter or topic name matches nothing.
 */
public final class TopicFilters {

    private TopicFilters() {
    }

    /** Whether {@code filter} is a valid subscription filter. */
    public static boolean isValidFilter(String filter) {
        int length = filter.length();
        if (length == 0 || filter.indexOf('\0') >= 0) {
            return false;
        }
        for (int start = 0; start <= length; ) {
            int end = TopicTemplate.levelEnd(filter, start);
            for (int i = start; i < end; i++) {
                char c = filter.charAt(i);
                if ((c == '+' || c == '#') && end - start != 1) {
                    return false;
                }
                if (c == '#' && end != length) {
                    return false;
                }
            }
            start = end + 1;
        }
        return true;
    }

    /** Whether {@code topic} is a valid topic name: non-empty, no wildcards, no U+0000. */
    public static boolean isValidTopicName(String topic) {
        return !topic.isEmpty() && topic.indexOf('+') < 0 && topic.indexOf('#') < 0 && topic.indexOf('\0') < 0;
    }

    /** Whether the subscription {@code filter} matches the topic name {@code topic}. */
    public static boolean filterMatches(String filter, String topic) {
        if (!isValidFilter(filter) || !isValidTopicName(topic)) {
            return false;
        }
        if (topic.charAt(0) == '$' && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
            return false;
        }
        int filterLength = filter.length();
        int topicLength = topic.length();
        int f = 0;
        int t = 0;
        while (true) {
            int filterEnd = TopicTemplate.levelEnd(filter, f);
            if (isWildcard(filter, f, filterEnd, '#')) {
                return true;
            }
            if (t > topicLength) {
                return false;
            }
            int topicEnd = TopicTemplate.levelEnd(topic, t);
            if (!isWildcard(filter, f, filterEnd, '+')
                    && (filterEnd - f != topicEnd - t || !filter.regionMatches(f, topic, t, filterEnd - f))) {
                return false;
            }
            f = filterEnd + 1;
            t = topicEnd + 1;
            if (f > filterLength) {
                return t > topicLength;
            }
        }
    }

    /**
     * Whether {@code filter} could match some topic rendered from {@code template}, for some values of its
     * placeholders (each a non-empty level without wildcards). False for an invalid filter.
     *
     * <p>A subscription for which this is false can never receive a command.
     */
    public static boolean couldMatch(String filter, TopicTemplate template) {
        if (!isValidFilter(filter)) {
            return false;
        }
        int levels = template.levelCount();
        int filterLength = filter.length();
        int f = 0;
        for (int j = 0; ; j++) {
            int filterEnd = TopicTemplate.levelEnd(filter, f);
            boolean plus = isWildcard(filter, f, filterEnd, '+');
            if (isWildcard(filter, f, filterEnd, '#')) {
                return !(j == 0 && dollarLiteral(template.literal(0)));
            }
            if (j == levels) {
                return false; // the filter has more levels than any rendered topic
            }
            String literal = template.literal(j);
            if (literal != null) {
                if (plus ? j == 0 && dollarLiteral(literal)
                        : filterEnd - f != literal.length() || !filter.startsWith(literal, f)) {
                    return false;
                }
            } else if (template.spansLevels(j)) {
                return noEmptyLevel(filter, f); // the remaining filter levels can all be filled by the value
            } else if (!plus && filterEnd == f) {
                return false; // a placeholder or '+' level is never empty
            }
            f = filterEnd + 1;
            if (f > filterLength) {
                return j == levels - 1;
            }
        }
    }

    /**
     * The device a subscription filter is pinned to: the concrete level {@code filter} has where {@code commands}
     * has {@code {device}}. Empty when the filter has a wildcard there (it may match commands of any device), when it
     * cannot match any rendered command topic at all (see {@link #couldMatch}), or when {@code commands} has no
     * {@code {device}}.
     *
     * <p>The result is the level as written; it may be a device name or an alias.
     */
    public static Optional<String> deviceOf(String filter, TopicTemplate commands) {
        int deviceLevel = commands.levelOf(TopicTemplate.DEVICE);
        if (deviceLevel < 0 || !couldMatch(filter, commands)) {
            return Optional.empty();
        }
        int start = 0;
        for (int i = 0; i < deviceLevel; i++) {
            start = TopicTemplate.levelEnd(filter, start) + 1;
            if (start > filter.length()) {
                return Optional.empty(); // ended with '#' before the device level
            }
        }
        int end = TopicTemplate.levelEnd(filter, start);
        if (isWildcard(filter, start, end, '+') || isWildcard(filter, start, end, '#')) {
            return Optional.empty();
        }
        return Optional.of(filter.substring(start, end));
    }

    private static boolean isWildcard(String filter, int start, int end, char wildcard) {
        return end - start == 1 && filter.charAt(start) == wildcard;
    }

    private static boolean dollarLiteral(String literal) {
        return literal != null && literal.startsWith("$");
    }

    /** Whether no level of {@code filter} from {@code start} on is empty. */
    private static boolean noEmptyLevel(String filter, int start) {
        int length = filter.length();
        return start < length && filter.charAt(start) != '/' && filter.charAt(length - 1) != '/'
                && filter.indexOf("//", start) < 0;
    }
}
