package io.hatchway.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import io.hatchway.TestServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * What a backend sees of a {@link TestServer} in the dialect tests: the events of the file sink, found by a marker in
 * their payload, and the HTTP command API.
 */
final class FleetEvents {

    /** The longest any event or command may take to show up. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(WAIT).build();

    private FleetEvents() {
    }

    /** A unique JSON payload, to find the event a publish became. */
    static String jsonWithMarker(String field) {
        return "{\"" + field + "\":\"" + UUID.randomUUID() + "\"}";
    }

    /** The single event whose payload is {@code payload} (as text), waiting for it at most {@link #WAIT}. */
    static JsonNode eventWithPayload(TestServer server, String payload) {
        List<JsonNode> found = await().atMost(WAIT).until(() -> events(server, e -> payload.equals(payloadText(e))),
                l -> !l.isEmpty());
        if (found.size() != 1) {
            throw new AssertionError("expected one event with payload " + payload + ", got " + found);
        }
        return found.get(0);
    }

    /** The events accepted so far that satisfy {@code filter}, in the order the sink wrote them. */
    static List<JsonNode> events(TestServer server, Predicate<JsonNode> filter) throws Exception {
        return server.events().stream().filter(filter).collect(Collectors.toList());
    }

    /** The events of one device of one application, in order. */
    static List<JsonNode> eventsOf(TestServer server, String application, String device) throws Exception {
        return events(server, e -> application.equals(text(e, "application")) && device.equals(text(e, "device")));
    }

    /** The payload of an event as text, whether the sink embedded it as JSON ({@code data}) or as bytes. */
    static String payloadText(JsonNode event) {
        if (event.hasNonNull("data_base64")) {
            return new String(Base64.getDecoder().decode(event.get("data_base64").asText()), StandardCharsets.UTF_8);
        }
        JsonNode data = event.get("data");
        if (data == null || data.isNull()) {
            return null;
        }
        return data.isTextual() ? data.asText() : data.toString();
    }

    static String text(JsonNode event, String field) {
        JsonNode value = event.get(field);
        return value == null ? null : value.asText();
    }

    /** Whether {@code event} is a connection event saying the device is (dis)connected. */
    static boolean isConnectionEvent(JsonNode event, boolean connected) {
        return "io.drogue.connection.v1".equals(text(event, "type")) && "connection".equals(text(event, "subject"))
                && event.path("data").path("connected").isBoolean()
                && event.path("data").path("connected").asBoolean() == connected;
    }

    /** POSTs a command through the HTTP command API (no token configured) and returns the response. */
    static HttpResponse<String> postCommand(TestServer server, String application, String device, String command,
                                            String payload) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                        + "/api/command/v1alpha1/apps/" + application + "/devices/" + device + "?command=" + command))
                .timeout(WAIT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
