package io.hatchway.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * JSON checks on raw payloads, shared by {@link EventMapper} and the sinks. Stateless and thread-safe: the one
 * {@link JsonFactory} is configured once and only used to create parsers and generators.
 */
final class JsonPayloads {

    /**
     * Field names are not interned: they come from devices, and interning would let them fill the JVM's string
     * table. Canonicalisation stays on (bounded per factory) to keep parsing allocation-light.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    private static final String APPLICATION_JSON = "application/json";
    private static final String JSON_SUFFIX = "+json";

    private JsonPayloads() {
    }

    /**
     * Tells whether a payload is exactly one complete JSON value (object, array, string, number, {@code true},
     * {@code false} or {@code null}), optionally surrounded by whitespace, encoded in UTF-8 without a byte order mark.
     * An empty or blank payload is not JSON. A byte order mark, UTF-16/32 text and malformed UTF-8 are rejected: such
     * a payload could not be embedded into a UTF-8 line as is, and Drogue Cloud (serde_json) rejects them too. Strict
     * RFC 8259, within Jackson's default nesting, number and name limits so that {@link #compact} can parse every
     * payload accepted here. Allocation-free, see {@link JsonValidator}.
     *
     * @param payload the raw bytes
     * @return true if the payload is a single JSON value
     */
    static boolean isJson(byte[] payload) {
        return JsonValidator.isJson(payload);
    }

    /**
     * Tells whether a media type declares JSON: {@code application/json} or any {@code type/subtype+json},
     * case-insensitive, with parameters such as {@code ; charset=utf-8} ignored.
     *
     * @param contentType a media type, or null
     * @return true if the content type declares a JSON payload
     */
    static boolean isJsonContentType(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String mediaType = (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
                .trim()
                .toLowerCase(Locale.ROOT);
        if (mediaType.equals(APPLICATION_JSON)) {
            return true;
        }
        int slash = mediaType.indexOf('/');
        return slash > 0
                && mediaType.indexOf('/', slash + 1) < 0
                && mediaType.length() - slash - 1 > JSON_SUFFIX.length()
                && mediaType.endsWith(JSON_SUFFIX);
    }

    /**
     * Tells whether the payload contains a carriage return or line feed byte.
     *
     * @param payload the raw bytes
     * @return true if the payload would break a line-per-event output when embedded as is
     */
    static boolean containsLineBreak(byte[] payload) {
        for (byte b : payload) {
            if (b == '\n' || b == '\r') {
                return true;
            }
        }
        return false;
    }

    /**
     * Rewrites a JSON value without insignificant whitespace, streaming token by token. Numbers are copied exactly.
     *
     * @param json a payload for which {@link #isJson} holds
     * @return the same JSON value on a single line
     */
    static byte[] compact(byte[] json) {
        ByteArrayBuilder out = new ByteArrayBuilder(json.length);
        try (JsonParser parser = FACTORY.createParser(json);
             JsonGenerator generator = FACTORY.createGenerator(out)) {
            while (parser.nextToken() != null) {
                generator.copyCurrentEventExact(parser);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("payload is not JSON", e);
        }
        return out.toByteArray();
    }
}
