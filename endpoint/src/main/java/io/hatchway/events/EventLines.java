package io.hatchway.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.data.BytesCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.jackson.JsonFormatOptions;
import io.cloudevents.types.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes CloudEvents as lines of the CloudEvents JSON format ({@code application/cloudevents+json}), one event per
 * line, each line readable back with {@link JsonFormat#deserialize(byte[])}:
 * <ul>
 *   <li>data under a content type that {@link JsonFormat} reads as JSON, and that is one valid JSON value, is
 *       embedded as {@code "data": <value>} (compacted first if it contains line breaks);</li>
 *   <li>all other data, including text such as {@code text/plain} and JSON-declared data that is not valid JSON, is
 *       written as {@code "data_base64"}, so its bytes round-trip exactly.</li>
 * </ul>
 * One per writer thread: not thread-safe (it keeps the text of the last second written, see {@link UtcTimes}).
 */
public final class EventLines {

    /**
     * The content types for which cloudevents-json-jackson 4.0.1 embeds data as raw JSON when writing and, when
     * reading, accepts a non-string {@code data} member (its package-private {@code JsonFormat.dataIsJsonContentType}).
     * Mirrored here because embedding anything else would produce a line JsonFormat cannot read back; pinned by
     * {@code FileSinkTest}.
     */
    private static final Pattern JSON_FORMAT_JSON_TYPE =
            Pattern.compile("^(application|text)/([a-zA-Z]+\\+)?json(;.*)*$");

    private final UtcTimes utcTimes = new UtcTimes();

    /** For data other than bytes. Default options, spelled out: JSON data embedded, other data base64. */
    private final JsonFormat embedding = new JsonFormat(JsonFormatOptions.builder()
            .forceDataBase64Serialization(false)
            .forceStringSerialization(false)
            .build());

    /**
     * Writes the lines of events whose data are bytes (all that Hatchway makes): Jackson's streaming generator
     * straight into the batch buffer, about a fifth of the CPU of {@link JsonFormat}'s object-mapper path, which
     * stays for the other kinds of data.
     */
    private static final JsonFactory WRITER = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.AUTO_CLOSE_CONTENT)
            .build();

    // Field names encoded once rather than escaped per event.
    private static final SerializableString SPECVERSION = new SerializedString("specversion");
    private static final SerializableString ID = new SerializedString("id");
    private static final SerializableString SOURCE = new SerializedString("source");
    private static final SerializableString TYPE = new SerializedString("type");
    private static final SerializableString DATACONTENTTYPE = new SerializedString("datacontenttype");
    private static final SerializableString DATASCHEMA = new SerializedString("dataschema");
    private static final SerializableString SUBJECT = new SerializedString("subject");
    private static final SerializableString TIME = new SerializedString("time");
    private static final Map<String, SerializableString> KNOWN_EXTENSIONS = Stream.of(EventMapper.EXT_APPLICATION,
                    EventMapper.EXT_DEVICE, EventMapper.EXT_SENDER, EventMapper.EXT_PARTITION_KEY,
                    EventMapper.EXT_INSTANCE)
            .collect(Collectors.toUnmodifiableMap(name -> name, SerializedString::new));

    private static final byte[] DATA_FIELD = ",\"data\":".getBytes(StandardCharsets.UTF_8);

    /** One event in the CloudEvents JSON format (structured mode), as {@link #append} writes it, without the newline. */
    public byte[] json(CloudEvent event) {
        CloudEventData data = event.getData();
        if (data != null && !(data instanceof BytesCloudEventData)) {
            return embedding.serialize(event);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        writeJson(event, data, out);
        return out.toByteArray();
    }

    /**
     * Serialises one event and appends it, followed by {@code '\n'}, to {@code out}. If it throws, part of the line
     * may have been appended: the caller removes it.
     *
     * @param event the event
     * @param out the batch buffer
     * @throws RuntimeException if the event cannot be serialised
     */
    void append(CloudEvent event, ByteArrayOutputStream out) {
        CloudEventData data = event.getData();
        if (data != null && !(data instanceof BytesCloudEventData)) {
            byte[] line = embedding.serialize(event);
            out.write(line, 0, line.length);
        } else {
            writeJson(event, data, out);
        }
        out.write('\n');
    }

    private void writeJson(CloudEvent event, CloudEventData data, ByteArrayOutputStream out) {
        try {
            write(event, data == null ? null : data.toBytes(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One event in the CloudEvents JSON format, attributes in the order {@link JsonFormat} writes them. JSON data is
     * embedded as {@code "data"}, compacted if it contains line breaks; any other data goes into
     * {@code "data_base64"}. The embedded bytes are appended after the generator's output rather than through it:
     * Jackson has no raw-value method for bytes, and a copy into a String would double the cost for large payloads.
     */
    private void write(CloudEvent event, byte[] data, ByteArrayOutputStream out) throws IOException {
        boolean embed = data != null && embedsJson(event.getDataContentType(), data);
        try (JsonGenerator json = WRITER.createGenerator(out)) {
            json.writeStartObject();
            writeIfPresent(json, SPECVERSION, event.getSpecVersion().toString());
            writeIfPresent(json, ID, event.getId());
            // Hatchway's own events have the text at hand; a URI would be parsed only to be written out again.
            writeIfPresent(json, SOURCE, event instanceof DeviceEvent own ? own.sourceText() : event.getSource());
            writeIfPresent(json, TYPE, event.getType());
            writeIfPresent(json, DATACONTENTTYPE, event.getDataContentType());
            writeIfPresent(json, DATASCHEMA, event.getDataSchema());
            writeIfPresent(json, SUBJECT, event.getSubject());
            writeIfPresent(json, TIME, event.getTime());
            for (String name : event.getExtensionNames()) {
                SerializableString known = KNOWN_EXTENSIONS.get(name);
                writeIfPresent(json, known != null ? known : new SerializedString(name), event.getExtension(name));
            }
            if (data != null && !embed) {
                json.writeFieldName("data_base64");
                json.writeBinary(data);
            }
            if (!embed) {
                json.writeEndObject();
            }
        }
        if (embed) {
            byte[] value = JsonPayloads.containsLineBreak(data) ? JsonPayloads.compact(data) : data;
            out.write(DATA_FIELD, 0, DATA_FIELD.length);
            out.write(value, 0, value.length);
            out.write('}');
        }
    }

    /** Whether JsonFormat would read the data back as JSON (no content type means JSON) and it is one JSON value. */
    private static boolean embedsJson(String contentType, byte[] data) {
        boolean jsonType = contentType == null || contentType.equals(EventMapper.APPLICATION_JSON)
                || JSON_FORMAT_JSON_TYPE.matcher(contentType).matches();
        return jsonType && JsonPayloads.isJson(data);
    }

    /** An attribute or extension of any type CloudEvents allows; absent ones are left out. */
    private void writeIfPresent(JsonGenerator json, SerializableString name, Object value)
            throws IOException {
        if (value == null) {
            return;
        }
        json.writeFieldName(name);
        if (value instanceof Integer number) {
            json.writeNumber(number);
        } else if (value instanceof Boolean bool) {
            json.writeBoolean(bool);
        } else if (value instanceof byte[] bytes) {
            json.writeBinary(bytes);
        } else if (value instanceof OffsetDateTime time) {
            // For UTC, Instant's RFC 3339 text (3, 6 or 9 fraction digits), at a fraction of the formatter's cost.
            json.writeString(time.getOffset().equals(ZoneOffset.UTC) ? utcTimes.format(time.toInstant())
                    : Time.writeTime(time));
        } else {
            json.writeString(value.toString());
        }
    }
}
