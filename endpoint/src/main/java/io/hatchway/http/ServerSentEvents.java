package io.hatchway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Server-Sent Events (WHATWG HTML, "Server-sent events"): a chunked {@code text/event-stream} response, each event
 * as {@code id:} (the CloudEvent id), {@code event:} (its type) and {@code data:} (its JSON on one line), a comment
 * line as heartbeat, and {@code event: error} with {@code {"message": ...}} before the server ends the stream.
 */
final class ServerSentEvents implements StreamFraming {

    static final ServerSentEvents INSTANCE = new ServerSentEvents();
    static final String CONTENT_TYPE = "text/event-stream";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    private ServerSentEvents() {
    }

    /**
     * Writes the response head, chunked, not cached and not buffered by proxies (nginx reads X-Accel-Buffering);
     * events follow as chunks.
     */
    static void start(Channel channel) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE + "; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set("X-Accel-Buffering", "no");
        channel.writeAndFlush(response);
    }

    /**
     * Whether an {@code Accept} header admits {@code text/event-stream}: the most specific matching media range
     * ({@code text/event-stream}, {@code text/*}, {@code *}{@code /*}) has a q-value above 0.
     */
    static boolean accepted(String accept) {
        if (accept == null) {
            return true;
        }
        int specificity = -1;
        double q = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            int matches = type.equals(CONTENT_TYPE) ? 2 : type.equals("text/*") ? 1 : type.equals("*/*") ? 0 : -1;
            if (matches < 0 || matches < specificity) {
                continue;
            }
            double rangeQ = 1;
            for (int i = 1; i < parts.length; i++) {
                String parameter = parts[i].trim();
                if (parameter.regionMatches(true, 0, "q=", 0, 2)) {
                    try {
                        rangeQ = Double.parseDouble(parameter.substring(2).trim());
                    } catch (NumberFormatException e) {
                        rangeQ = 0;
                    }
                }
            }
            q = matches > specificity ? rangeQ : Math.max(q, rangeQ);
            specificity = matches;
        }
        return q > 0;
    }

    @Override
    public Object event(CloudEvent event, byte[] structured) {
        StringBuilder fields = new StringBuilder(96);
        field(fields, "id", event.getId());
        field(fields, "event", event.getType());
        ByteBuf chunk = Unpooled.wrappedBuffer(fields.toString().getBytes(StandardCharsets.UTF_8), DATA,
                oneLine(structured), END_OF_EVENT);
        return new DefaultHttpContent(chunk);
    }

    @Override
    public Object heartbeat() {
        return new DefaultHttpContent(Unpooled.wrappedBuffer(HEARTBEAT));
    }

    @Override
    public Object farewell(String reason) {
        byte[] message;
        try {
            message = JSON.writeValueAsBytes(Map.of("message", reason));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + reason + " as JSON", e);
        }
        return new DefaultLastHttpContent(Unpooled.wrappedBuffer("event: error\n".getBytes(StandardCharsets.UTF_8),
                DATA, message, END_OF_EVENT));
    }

    /** A field whose value would end the line early is left out (CloudEvents does not forbid line breaks). */
    private static void field(StringBuilder fields, String name, String value) {
        if (value != null && value.indexOf('\n') < 0 && value.indexOf('\r') < 0) {
            fields.append(name).append(": ").append(value).append('\n');
        }
    }

    /**
     * The JSON as one {@code data:} line. The events' JSON is one line already (a line break inside a JSON string
     * is escaped, and embedded JSON data is compacted); should it ever not be, a line break between JSON tokens is
     * whitespace, so replacing it by a space keeps the JSON and keeps one event one line.
     */
    private static byte[] oneLine(byte[] json) {
        byte[] copy = null;
        for (int i = 0; i < json.length; i++) {
            if (json[i] == '\n' || json[i] == '\r') {
                copy = copy != null ? copy : json.clone();
                copy[i] = ' ';
            }
        }
        return copy != null ? copy : json;
    }
}
