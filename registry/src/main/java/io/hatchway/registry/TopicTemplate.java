package io.hatchway.registry;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A topic layout with placeholders, such as {@code VSRE/{device}/{channel}} or {@code cattle.io/octopus/+/{device}}:
 * reads device and channel out of a PUBLISH topic ({@link #match}) and writes command topics ({@link #render}).
 *
 * <p>Syntax, checked by {@link #parse}: levels separated by {@code /}; each level is a literal, {@code +} (any one
 * non-empty level) or one of the placeholders {@code {device}}, {@code {channel}} and {@code {command}}, always as a
 * whole level and each at most once. {@code {channel}} as the last level takes all remaining levels (at least one);
 * anywhere else a placeholder takes exactly one level. Not allowed: empty levels (so no leading, trailing or double
 * {@code /}), {@code #} (use a last-level {@code {channel}} instead), {@code +} or braces inside a level, unknown
 * placeholders and U+0000.
 *
 * <p>Matching never lets a placeholder or {@code +} take an empty level, and a topic holding {@code +} or {@code #}
 * (not a valid topic name, [MQTT-4.7.1-1]) matches nothing. Literals compare exactly (case-sensitive).
 *
 * <p>Immutable and thread-safe; the levels are split once at parse time, so {@link #match} only allocates the
 * values it returns. Two templates are equal when their text is equal.
 */
public final class TopicTemplate {

    public static final String DEVICE = "device";
    public static final String CHANNEL = "channel";
    public static final String COMMAND = "command";

    private static final Set<String> PLACEHOLDERS = Set.of(DEVICE, CHANNEL, COMMAND);

    private final String text;
    /** Per level: the literal text, or null for a placeholder or {@code +}. */
    private final String[] literals;
    /** Per level: the placeholder name, or null for a literal or {@code +}. */
    private final String[] placeholders;
    private final Set<String> names;
    private final boolean greedyTail;
    private final boolean plusLevels;

    private TopicTemplate(String text, String[] literals, String[] placeholders, Set<String> names) {
        this.text = text;
        this.literals = literals;
        this.placeholders = placeholders;
        this.names = Set.copyOf(names);
        this.greedyTail = CHANNEL.equals(placeholders[placeholders.length - 1]);
        boolean plus = false;
        for (int i = 0; i < literals.length; i++) {
            plus |= literals[i] == null && placeholders[i] == null;
        }
        this.plusLevels = plus;
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException naming the offending level and the rule it breaks
     */
    public static TopicTemplate parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("must not contain U+0000");
        }
        String[] levels = text.split("/", -1);
        String[] literals = new String[levels.length];
        String[] placeholders = new String[levels.length];
        Set<String> names = new HashSet<>();
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            String where = "level " + (i + 1);
            if (level.isEmpty()) {
                throw new IllegalArgumentException(where + " is empty; a template has no empty levels"
                        + " (no leading, trailing or double '/')");
            }
            if (level.equals("#")) {
                throw new IllegalArgumentException(where + ": '#' is not supported in templates; use {channel}"
                        + " as the last level to take the remaining levels");
            }
            if (level.equals("+")) {
                continue;
            }
            if (level.indexOf('+') >= 0 || level.indexOf('#') >= 0) {
                throw new IllegalArgumentException(where + " (" + level + "): '+' only as a whole level, '#' not"
                        + " at all");
            }
            boolean braced = level.length() >= 2 && level.charAt(0) == '{' && level.charAt(level.length() - 1) == '}';
            String inner = braced ? level.substring(1, level.length() - 1) : level;
            if (inner.indexOf('{') >= 0 || inner.indexOf('}') >= 0) {
                throw new IllegalArgumentException(where + " (" + level + "): a placeholder must be a whole level,"
                        + " like a/{device}/b");
            }
            if (!braced) {
                literals[i] = level;
                continue;
            }
            if (!PLACEHOLDERS.contains(inner)) {
                throw new IllegalArgumentException(where + ": unknown placeholder " + level
                        + "; expected {device}, {channel} or {command}");
            }
            if (!names.add(inner)) {
                throw new IllegalArgumentException(where + ": placeholder " + level + " appears more than once");
            }
            placeholders[i] = inner;
        }
        return new TopicTemplate(text, literals, placeholders, names);
    }

    /** The template as written. */
    public String text() {
        return text;
    }

    /** Whether the template has the placeholder {@code name} ({@code "device"}, not {@code "{device}"}). */
    public boolean has(String placeholder) {
        return names.contains(placeholder);
    }

    /** Whether the template has {@code +} levels (such a template cannot be rendered). */
    public boolean hasWildcardLevels() {
        return plusLevels;
    }

    /**
     * Matches a PUBLISH topic name: the values of the template's placeholders, by name, or empty when the topic does
     * not fit the template.
     */
    public Optional<Map<String, String>> match(String topic) {
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return Optional.empty();
        }
        String[] values = new String[placeholders.length];
        int length = topic.length();
        int position = 0;
        for (int i = 0; i < literals.length; i++) {
            if (position > length) {
                return Optional.empty(); // the topic has fewer levels than the template
            }
            if (greedyTail && i == literals.length - 1) {
                if (!levelsNonEmpty(topic, position)) {
                    return Optional.empty();
                }
                values[i] = topic.substring(position);
                position = length + 1;
                break;
            }
            int end = levelEnd(topic, position);
            String literal = literals[i];
            if (literal != null) {
                if (end - position != literal.length() || !topic.startsWith(literal, position)) {
                    return Optional.empty();
                }
            } else if (end == position) {
                return Optional.empty();
            } else if (placeholders[i] != null) {
                values[i] = topic.substring(position, end);
            }
            position = end + 1;
        }
        return position == length + 1 ? Optional.of(valueMap(values)) : Optional.empty();
    }

    /**
     * Writes a topic: each placeholder replaced by its value from {@code values} (extra entries are ignored).
     *
     * @throws IllegalArgumentException if a value is missing or empty, holds {@code +}, {@code #} or U+0000, or holds
     *                                  {@code /} where it would add levels (only a last-level {@code {channel}} may
     *                                  span levels, and then none of them may be empty); or if the template has
     *                                  {@code +} levels
     */
    public String render(Map<String, String> values) {
        StringBuilder topic = new StringBuilder(text.length() + 32);
        for (int i = 0; i < literals.length; i++) {
            if (i > 0) {
                topic.append('/');
            }
            if (literals[i] != null) {
                topic.append(literals[i]);
                continue;
            }
            String name = placeholders[i];
            if (name == null) {
                throw new IllegalArgumentException("cannot render " + text + ": level " + (i + 1) + " is '+'");
            }
            String value = values.get(name);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("no value for {" + name + "}");
            }
            if (value.indexOf('+') >= 0 || value.indexOf('#') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("the value for {" + name + "} holds '+', '#' or U+0000");
            }
            boolean spansLevels = greedyTail && i == literals.length - 1;
            if (spansLevels ? !levelsNonEmpty(value, 0) : value.indexOf('/') >= 0) {
                throw new IllegalArgumentException(spansLevels
                        ? "the value for {" + name + "} has an empty level"
                        : "the value for {" + name + "} holds '/'");
            }
            topic.append(value);
        }
        return topic.toString();
    }

    int levelCount() {
        return literals.length;
    }

    /** The literal text of level {@code i}, or null when it is a placeholder or {@code +}. */
    String literal(int i) {
        return literals[i];
    }

    /** The placeholder name at level {@code i}, or null. */
    String placeholder(int i) {
        return placeholders[i];
    }

    /** Whether level {@code i} takes all remaining levels (a last-level {@code {channel}}). */
    boolean spansLevels(int i) {
        return greedyTail && i == literals.length - 1;
    }

    /** The index of the level holding {@code placeholder}, or -1. */
    int levelOf(String placeholder) {
        for (int i = 0; i < placeholders.length; i++) {
            if (placeholder.equals(placeholders[i])) {
                return i;
            }
        }
        return -1;
    }

    /** The end (exclusive) of the level starting at {@code start}: the next '/' or the end of the text. */
    static int levelEnd(String text, int start) {
        int slash = text.indexOf('/', start);
        return slash < 0 ? text.length() : slash;
    }

    /** Whether {@code text} from {@code start} is one or more levels, none of them empty. */
    private static boolean levelsNonEmpty(String text, int start) {
        int length = text.length();
        if (start >= length || text.charAt(start) == '/' || text.charAt(length - 1) == '/') {
            return false;
        }
        return text.indexOf("//", start) < 0;
    }

    private Map<String, String> valueMap(String[] values) {
        String k1 = null;
        String v1 = null;
        String k2 = null;
        String v2 = null;
        String k3 = null;
        String v3 = null;
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                continue;
            }
            if (k1 == null) {
                k1 = placeholders[i];
                v1 = values[i];
            } else if (k2 == null) {
                k2 = placeholders[i];
                v2 = values[i];
            } else {
                k3 = placeholders[i];
                v3 = values[i];
            }
        }
        return k1 == null ? Map.of() : k2 == null ? Map.of(k1, v1) : k3 == null ? Map.of(k1, v1, k2, v2)
                : Map.of(k1, v1, k2, v2, k3, v3);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicTemplate other && text.equals(other.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
