package io.hatchway.registry;

import com.fasterxml.jackson.core.JsonToken;
import io.hatchway.registry.YamlTree.ListNode;
import io.hatchway.registry.YamlTree.MapNode;
import io.hatchway.registry.YamlTree.Node;
import io.hatchway.registry.YamlTree.Position;
import io.hatchway.registry.YamlTree.ScalarNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A node of the registry document together with its field path; reads typed values and turns every mismatch into a
 * {@link RegistryException} naming the file, position and path. Error messages name keys and expected types, never
 * values, so they cannot leak a secret.
 */
final class YamlCursor {

    private final Path file;
    private final String path;
    private final Node node;

    private YamlCursor(Path file, String path, Node node) {
        this.file = Objects.requireNonNull(file, "file");
        this.path = Objects.requireNonNull(path, "path");
        this.node = Objects.requireNonNull(node, "node");
    }

    static YamlCursor root(Path file, Node node) {
        return new YamlCursor(file, "", node);
    }

    String path() {
        return path;
    }

    Position at() {
        return node.at();
    }

    RegistryException error(String problem) {
        return new RegistryException(file, node.at().line(), node.at().column(), path, problem);
    }

    boolean isNull() {
        return node instanceof ScalarNode scalar && scalar.token() == JsonToken.VALUE_NULL;
    }

    boolean isString() {
        return node instanceof ScalarNode scalar && scalar.token() == JsonToken.VALUE_STRING;
    }

    boolean isMap() {
        return node instanceof MapNode;
    }

    boolean isBoolean() {
        return node instanceof ScalarNode scalar
                && (scalar.token() == JsonToken.VALUE_TRUE || scalar.token() == JsonToken.VALUE_FALSE);
    }

    boolean isNumber() {
        return node instanceof ScalarNode scalar
                && (scalar.token() == JsonToken.VALUE_NUMBER_INT || scalar.token() == JsonToken.VALUE_NUMBER_FLOAT);
    }

    /** A string scalar (possibly empty). */
    String string() throws RegistryException {
        if (!isString()) {
            throw error(isNumber() ? "expected a string (quote a number to use it as a string)"
                    : isBoolean() ? "expected a string (quote values such as on, off, yes and no)"
                    : "expected a string");
        }
        return ((ScalarNode) node).text();
    }

    /** A non-empty string: names, usernames, aliases. */
    String name() throws RegistryException {
        if (isNull()) {
            throw error("must not be empty");
        }
        String value = string();
        if (value.isEmpty()) {
            throw error("must not be empty");
        }
        return value;
    }

    boolean bool() throws RegistryException {
        if (node instanceof ScalarNode scalar && scalar.token() == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (node instanceof ScalarNode scalar && scalar.token() == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw error("expected true or false");
    }

    /** A whole number from 1 to {@code max}. */
    long positive(long max) throws RegistryException {
        if (node instanceof ScalarNode scalar && scalar.token() == JsonToken.VALUE_NUMBER_INT) {
            try {
                long value = Long.parseLong(scalar.text());
                if (value >= 1 && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // out of range of a long: reported below
            }
        }
        throw error("expected a whole number from 1 to " + max);
    }

    /** The items of a sequence; null (an empty value) reads as an empty list. */
    List<YamlCursor> list() throws RegistryException {
        if (isNull()) {
            return List.of();
        }
        if (!(node instanceof ListNode list)) {
            throw error("expected a list");
        }
        List<YamlCursor> items = new ArrayList<>(list.items().size());
        for (int i = 0; i < list.items().size(); i++) {
            items.add(new YamlCursor(file, path + "[" + i + "]", list.items().get(i)));
        }
        return items;
    }

    /**
     * The entries of a mapping that may only hold {@code allowed} keys; an unknown key is an error at that key. Null
     * (an empty value) reads as an empty mapping.
     */
    Fields fields(String... allowed) throws RegistryException {
        return fields(Arrays.asList(allowed), "");
    }

    /**
     * As {@link #fields(String...)}, with {@code hint} (e.g. "for type plainTopic") appended to the unknown-key
     * message.
     */
    Fields fields(List<String> allowed, String hint) throws RegistryException {
        if (isNull()) {
            return new Fields(this, Map.of());
        }
        String keys = String.join(", ", allowed) + (hint.isEmpty() ? "" : " (" + hint + ")");
        if (!(node instanceof MapNode map)) {
            throw error("expected a mapping with keys " + keys);
        }
        for (Map.Entry<String, YamlTree.Entry> entry : map.entries().entrySet()) {
            if (!allowed.contains(entry.getKey())) {
                Position keyAt = entry.getValue().keyAt();
                throw new RegistryException(file, keyAt.line(), keyAt.column(), child(entry.getKey()),
                        "unknown key; expected one of " + keys);
            }
        }
        return new Fields(this, map.entries());
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The checked entries of one mapping. */
    static final class Fields {
        private final YamlCursor owner;
        private final Map<String, YamlTree.Entry> entries;

        private Fields(YamlCursor owner, Map<String, YamlTree.Entry> entries) {
            this.owner = owner;
            this.entries = entries;
        }

        /** The keys present with a non-null value. */
        List<String> present() {
            return entries.entrySet().stream()
                    .filter(e -> !(e.getValue().value() instanceof ScalarNode s && s.token() == JsonToken.VALUE_NULL))
                    .map(Map.Entry::getKey)
                    .toList();
        }

        /** The value of {@code key}; absent when the key is missing or its value is null. */
        Optional<YamlCursor> optional(String key) {
            YamlTree.Entry entry = entries.get(key);
            if (entry == null) {
                return Optional.empty();
            }
            YamlCursor value = new YamlCursor(owner.file, owner.child(key), entry.value());
            return value.isNull() ? Optional.empty() : Optional.of(value);
        }

        /** The value of {@code key}, which must be present (it may still be null; the typed reader rejects that). */
        YamlCursor required(String key) throws RegistryException {
            YamlTree.Entry entry = entries.get(key);
            if (entry == null) {
                Position at = owner.at();
                throw new RegistryException(owner.file, at.line(), at.column(), owner.child(key),
                        "required but missing");
            }
            return new YamlCursor(owner.file, owner.child(key), entry.value());
        }
    }
}
