package io.hatchway.events;

import io.cloudevents.CloudEvent;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Maps one device publish to a CloudEvent 1.0 in the shape Drogue Cloud's endpoints produce, so that consumers of
 * Drogue Cloud events read Hatchway's unchanged:
 *
 * <table>
 *   <caption>Attributes</caption>
 *   <tr><th>attribute</th><th>value</th></tr>
 *   <tr><td>{@code id}</td><td>a random UUID</td></tr>
 *   <tr><td>{@code type}</td><td>{@value #EVENT_TYPE}</td></tr>
 *   <tr><td>{@code source}</td><td>{@code drogue://{application}/{device}}, both percent-encoded (see
 *       {@link #percentEncode})</td></tr>
 *   <tr><td>{@code subject}</td><td>the channel</td></tr>
 *   <tr><td>{@code time}</td><td>the arrival time</td></tr>
 *   <tr><td>{@code datacontenttype}</td><td>the MQTT 5 Content Type if present; otherwise {@code application/json}
 *       if the payload is one JSON value, else {@code application/octet-stream}</td></tr>
 *   <tr><td>extensions</td><td>{@code application}, {@code device}, {@code sender},
 *       {@code partitionkey} = {@code {application}/{sender}}, {@code instance}</td></tr>
 *   <tr><td>data</td><td>the payload bytes, unchanged</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe; {@link #map} may run on any event loop. It does not block, and its JSON check
 * allocates nothing ({@link JsonValidator}).
 */
public final class EventMapper {

    /** The CloudEvents {@code type} of device events. */
    public static final String EVENT_TYPE = "io.drogue.event.v1";
    /** The CloudEvents {@code type} of connection events. */
    public static final String CONNECTION_TYPE = "io.drogue.connection.v1";
    /** The {@code subject} of connection events. */
    public static final String CONNECTION_SUBJECT = "connection";
    /** The content type given to payloads without a declared content type that are one JSON value. */
    public static final String APPLICATION_JSON = "application/json";
    /** The content type given to payloads without a declared content type that are not JSON. */
    public static final String APPLICATION_OCTET_STREAM = "application/octet-stream";

    /** Extension: the application the device belongs to. */
    public static final String EXT_APPLICATION = "application";
    /** Extension: the device the event is from. */
    public static final String EXT_DEVICE = "device";
    /** Extension: the device that sent it (a gateway, or the device itself). */
    public static final String EXT_SENDER = "sender";
    /** Extension: the key that keeps one sender's events in order downstream. */
    public static final String EXT_PARTITION_KEY = "partitionkey";
    /** Extension: the Hatchway instance that received the event. */
    public static final String EXT_INSTANCE = "instance";

    private static final String SOURCE_SCHEME = "drogue://";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String instance;

    /**
     * @param instance the name of this endpoint instance, put into every event's {@code instance} extension
     */
    public EventMapper(String instance) {
        this.instance = Objects.requireNonNull(instance, "instance");
    }

    /**
     * Builds the event for one publish.
     *
     * <p>The payload array is wrapped, not copied: the caller hands it over and must not modify it afterwards.
     *
     * @param application the application name
     * @param device the device the data is from
     * @param sender the device that sent it; equal to {@code device} unless a gateway sends for it
     * @param channel the channel (from the topic), used as {@code subject}
     * @param payload the publish payload
     * @param contentType the MQTT 5 Content Type property, or null when absent
     * @param arrival when the publish arrived, used as {@code time} (in UTC)
     * @return the event, ready for an {@link EventSink}
     * @throws InvalidPayloadException if {@code contentType} declares JSON ({@code application/json} or
     *         {@code type/subtype+json}, case-insensitive, parameters ignored) but the payload is not one JSON value
     */
    public CloudEvent map(String application, String device, String sender, String channel, byte[] payload,
                          String contentType, Instant arrival) {
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(arrival, "arrival");

        return event(EVENT_TYPE, application, device, sender, channel, arrival,
                dataContentType(payload, contentType), payload);
    }

    /**
     * Builds the connection event Drogue Cloud emits when a device connects or its connection ends: type
     * {@value #CONNECTION_TYPE}, subject {@value #CONNECTION_SUBJECT}, JSON data {@code {"connected": true|false}},
     * with the same source and extensions as device events (the device is its own sender).
     */
    public CloudEvent connection(String application, String device, boolean connected, Instant time) {
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(time, "time");
        byte[] data = (connected ? "{\"connected\":true}" : "{\"connected\":false}").getBytes(StandardCharsets.UTF_8);
        return event(CONNECTION_TYPE, application, device, device, CONNECTION_SUBJECT, time, APPLICATION_JSON, data);
    }

    private CloudEvent event(String type, String application, String device, String sender, String subject,
                             Instant time, String dataContentType, byte[] data) {
        // A random (version 4) UUID. Event ids need to be unique, not unpredictable: a thread-local generator is
        // much cheaper than the secure one behind UUID.randomUUID().
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long most = (random.nextLong() & ~0xF000L) | 0x4000L;
        long least = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new DeviceEvent(most, least, type, subject, time, dataContentType, data,
                application, device, sender, instance);
    }

    /** {@code drogue://{app}/{device}}, both percent-encoded: the source of a device's events and commands. */
    public static URI sourceOf(String application, String device) {
        return URI.create(sourceText(application, device));
    }

    /**
     * The text of {@link #sourceOf}. Events derive it when a sink reads it, rather than keeping a URI per device for
     * the life of the process (some 700 bytes with its parsed parts for each device that ever connected); the file
     * sink writes the text as it is.
     */
    static String sourceText(String application, String device) {
        return SOURCE_SCHEME + percentEncode(application) + '/' + percentEncode(device);
    }

    /** The failure inside a {@link java.util.concurrent.CompletionException}, or {@code error} itself. */
    public static Throwable causeOf(Throwable error) {
        return error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
    }

    private static String dataContentType(byte[] payload, String contentType) {
        if (contentType == null) {
            return JsonPayloads.isJson(payload) ? APPLICATION_JSON : APPLICATION_OCTET_STREAM;
        }
        if (JsonPayloads.isJsonContentType(contentType) && !JsonPayloads.isJson(payload)) {
            throw new InvalidPayloadException(
                    "content type '" + contentType + "' declares JSON, but the payload is not a single JSON value");
        }
        return contentType;
    }

    /**
     * Percent-encodes a name for use as one URI segment: the UTF-8 bytes of every character other than the RFC 3986
     * unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) become {@code %XX} with upper-case hex digits.
     *
     * @param name an application or device name
     * @return the encoded name; the same instance if nothing needed encoding
     */
    public static String percentEncode(String name) {
        int i = 0;
        while (i < name.length() && isUnreserved(name.charAt(i))) {
            i++;
        }
        if (i == name.length()) {
            return name;
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder encoded = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (isUnreserved(c)) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(HEX[c >>> 4]).append(HEX[c & 0x0F]);
            }
        }
        return encoded.toString();
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
