package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.jackson.JsonFormatOptions;

import java.io.ByteArrayOutputStream;
import java.util.regex.Pattern;

/**
 * Writes CloudEvents as lines of the CloudEvents JSON format ({@code application/cloudevents+json}), one event per
 * line, each line readable back with {@link JsonFormat#deserialize(byte[])}:
 * <ul>
 *   <li>data under a content type that {@link JsonFormat} reads as JSON, and that is one valid JSON value, is
 *       embedded as {@code "data": <value>} (compacted first if it contains line breaks);</li>
 *   <li>all other data, including text such as {@code text/plain} and JSON-declared data that is not valid JSON, is
 *       written as {@code "data_base64"}, so its bytes round-trip exactly.</li>
 * </ul>
 * Immutable and thread-safe.
 */
final class EventLines {

    /**
     * The content types for which cloudevents-json-jackson 4.0.1 embeds data as raw JSON when writing and, when
     * reading, accepts a non-string {@code data} member (its package-private {@code JsonFormat.dataIsJsonContentType}).
     * Mirrored here because embedding anything else would produce a line JsonFormat cannot read back; pinned by
     * {@code FileSinkTest}.
     */
    private static final Pattern JSON_FORMAT_JSON_TYPE =
            Pattern.compile("^(application|text)/([a-zA-Z]+\\+)?json(;.*)*$");

    /** Default options, spelled out: JSON data embedded, other data base64. */
    private final JsonFormat embedding = new JsonFormat(JsonFormatOptions.builder()
            .forceDataBase64Serialization(false)
            .forceStringSerialization(false)
            .build());

    /** Every byte payload as {@code data_base64}, whatever its content type. */
    private final JsonFormat base64 = new JsonFormat(JsonFormatOptions.builder()
            .forceDataBase64Serialization(true)
            .forceStringSerialization(false)
            .build());

    /**
     * Serialises one event and appends it, followed by {@code '\n'}, to {@code out}. Appends nothing if it throws.
     *
     * @param event the event
     * @param out the batch buffer
     * @throws RuntimeException if the event cannot be serialised
     */
    void append(CloudEvent event, ByteArrayOutputStream out) {
        byte[] line = serialize(event);
        out.write(line, 0, line.length);
        out.write('\n');
    }

    private byte[] serialize(CloudEvent event) {
        CloudEventData data = event.getData();
        if (data == null || data instanceof JsonCloudEventData) {
            return embedding.serialize(event);
        }
        String contentType = event.getDataContentType();
        if (contentType != null && !JSON_FORMAT_JSON_TYPE.matcher(contentType).matches()) {
            return embedding.serialize(event);
        }
        byte[] bytes = data.toBytes();
        if (!JsonPayloads.isJson(bytes)) {
            return base64.serialize(event);
        }
        if (JsonPayloads.containsLineBreak(bytes)) {
            return embedding.serialize(CloudEventBuilder.from(event).withData(JsonPayloads.compact(bytes)).build());
        }
        return embedding.serialize(event);
    }
}
