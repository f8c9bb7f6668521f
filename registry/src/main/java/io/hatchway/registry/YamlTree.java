package io.hatchway.registry;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.Mark;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A YAML document read into immutable nodes that remember where they start, so that the loader can report the line
 * and column of semantic errors (duplicate names, unknown application, ...) as well as of type errors.
 * {@link com.fasterxml.jackson.databind.JsonNode} does not keep locations, hence this small tree.
 */
final class YamlTree {

    private static final YAMLFactory YAML = new YAMLFactory();

    /** A 1-based line and column. */
    record Position(int line, int column) {
    }

    sealed interface Node permits MapNode, ListNode, ScalarNode {
        Position at();
    }

    /** A mapping; {@code entries} keep document order. */
    record MapNode(Position at, Map<String, Entry> entries) implements Node {
        MapNode {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }
    }

    /** A mapping entry: where its key is, and its value. */
    record Entry(Position keyAt, Node value) {
    }

    record ListNode(Position at, List<Node> items) implements Node {
        ListNode {
            items = List.copyOf(items);
        }
    }

    /**
     * A scalar as YAML resolved it: {@code token} tells a string from a number, a boolean or null ({@code text} is
     * null only for null).
     */
    record ScalarNode(Position at, JsonToken token, String text) implements Node {
    }

    private YamlTree() {
    }

    /**
     * Reads a single YAML document. An empty document (no content, or only comments) gives an empty result.
     *
     * @throws RegistryException on a YAML syntax error, an alias, a duplicate key or a second document; the
     *                           message names the position but never quotes the content
     */
    static Optional<Node> read(Path file, byte[] content) throws RegistryException {
        try (YAMLParser parser = YAML.createParser(content)) {
            if (parser.nextToken() == null) {
                return Optional.empty();
            }
            Node root = readValue(file, parser);
            if (parser.nextToken() != null) {
                throw error(file, parser, "only one YAML document is allowed");
            }
            return Optional.of(root);
        } catch (JsonProcessingException e) {
            throw syntaxError(file, e);
        } catch (IOException e) {
            throw new RegistryException(file, "cannot parse: " + e.getClass().getSimpleName(), e);
        }
    }

    private static Node readValue(Path file, YAMLParser parser) throws IOException, RegistryException {
        Position at = position(parser.currentTokenLocation());
        if (parser.isCurrentAlias()) {
            throw error(file, parser, "YAML aliases are not supported");
        }
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, Entry> entries = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    Position keyAt = position(parser.currentTokenLocation());
                    if (entries.containsKey(key)) {
                        throw error(file, parser, "duplicate key (first at line "
                                + entries.get(key).keyAt().line() + ")");
                    }
                    parser.nextToken();
                    entries.put(key, new Entry(keyAt, readValue(file, parser)));
                }
                return new MapNode(at, entries);
            }
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(file, parser));
                }
                return new ListNode(at, items);
            }
            case VALUE_NULL:
                return new ScalarNode(at, token, null);
            default:
                return new ScalarNode(at, token, parser.getText());
        }
    }

    private static Position position(JsonLocation location) {
        return new Position(location.getLineNr(), location.getColumnNr());
    }

    private static RegistryException error(Path file, YAMLParser parser, String problem) {
        Position at = position(parser.currentTokenLocation());
        return new RegistryException(file, at.line(), at.column(), path(parser.getParsingContext()), problem);
    }

    /**
     * SnakeYAML's own message quotes the offending line, which may hold a password; keep only the problem and its
     * position.
     */
    private static RegistryException syntaxError(Path file, JsonProcessingException e) {
        String field = e.getProcessor() instanceof YAMLParser parser ? path(parser.getParsingContext()) : "";
        if (e instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            Mark mark = marked.getProblemMark();
            String problem = marked.getProblem() == null ? "invalid YAML" : "invalid YAML: " + marked.getProblem();
            return new RegistryException(file, mark.getLine() + 1, mark.getColumn() + 1, field, problem);
        }
        JsonLocation location = e.getLocation();
        return location == null
                ? new RegistryException(file, "invalid YAML", e)
                : new RegistryException(file, location.getLineNr(), location.getColumnNr(), field, "invalid YAML");
    }

    /** {@code devices[0].spec.alias[1]} for a parser context; empty at the root. */
    static String path(JsonStreamContext context) {
        List<String> segments = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                segments.add("[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else if (c.getCurrentName() != null) {
                segments.add("." + c.getCurrentName());
            }
        }
        StringBuilder path = new StringBuilder();
        for (int i = segments.size() - 1; i >= 0; i--) {
            path.append(segments.get(i));
        }
        return path.length() > 0 && path.charAt(0) == '.' ? path.substring(1) : path.toString();
    }
}
