package io.hatchway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Event streams over HTTP with real clients: the JDK's WebSocket client and HttpClient reading Server-Sent Events,
 * devices publishing with the HiveMQ client, and a raw socket that never reads.
 */
class EventStreamTest {

    private static final String REGISTRY = """
            applications:
              - metadata: { name: my-app }
                spec:
                  apiKeys: [ { name: backend, key: backend-key }, { name: guessed, key: guessed-right } ]
              - metadata: { name: second-app }
                spec:
                  apiKeys: [ { name: other-backend, key: other-key } ]
              - metadata: { name: off-app }
                spec:
                  disabled: true
                  apiKeys: [ { name: backend, key: off-key } ]
            devices:
              - metadata: { name: device1, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: hey-rodney
              - metadata: { name: lonely, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: lonely-pass
            """;
    private static final String BEARER = "Bearer backend@my-app:backend-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, REGISTRY, Duration.ofSeconds(5), Optional.empty());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static URI uri(String scheme, String pathAndQuery) {
        return URI.create(scheme + "://127.0.0.1:" + server.httpPort() + "/api/events/v1alpha1/apps/"
                + pathAndQuery);
    }

    @Test
    void webSocketStreamCarriesDeviceAndConnectionEventsAsCloudEventJson() throws Exception {
        try (WebSocketStream stream = WebSocketStream.open(uri("ws", "my-app"), Map.of("Authorization", BEARER))) {
            String marker = UUID.randomUUID().toString();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            try {
                publish(device, "temp", "{\"marker\":\"" + marker + "\",\"t\":21}");
                JsonNode event = stream.next(e -> marker.equals(e.path("data").path("marker").asText()));
                assertDeviceEvent(event, "temp", marker);

                Mqtt5BlockingClient other = Clients.connectedV5(server, "lonely@my-app", "lonely-pass");
                other.disconnect();
                JsonNode connected = stream.next(e -> "io.drogue.connection.v1".equals(e.path("type").asText())
                        && "lonely".equals(e.path("device").asText()));
                assertEquals("connection", connected.get("subject").asText());
                assertEquals("my-app", connected.get("application").asText());
            } finally {
                device.disconnect();
            }
        }
    }

    @Test
    void serverSentEventsCarryDeviceEventsWithIdAndType() throws Exception {
        try (SseStream stream = SseStream.open(uri("http", "my-app"), BEARER)) {
            assertEquals("text/event-stream; charset=utf-8",
                    stream.response.headers().firstValue("Content-Type").orElseThrow());
            String marker = UUID.randomUUID().toString();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            try {
                JsonNode connected = stream.next(e -> "io.drogue.connection.v1".equals(e.path("type").asText())
                        && "device1".equals(e.path("device").asText()));
                assertEquals("connection", connected.get("subject").asText());
                publish(device, "temp", "{\"marker\":\"" + marker + "\",\"t\":21}");
                Map<String, String> fields = stream.nextFields(e -> marker.equals(e.path("data").path("marker")
                        .asText()));
                JsonNode event = JSON.readTree(fields.get("data"));
                assertDeviceEvent(event, "temp", marker);
                assertEquals(event.get("id").asText(), fields.get("id"));
                assertEquals("io.drogue.event.v1", fields.get("event"));
            } finally {
                device.disconnect();
            }
        }
    }

    @Test
    void curlAsInTheReadmeFollowsTheStream() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/curl"))) {
            fail("/usr/bin/curl is missing: apt-get install curl");
        }
        Process curl = new ProcessBuilder("curl", "-N", "-H", "Authorization: " + BEARER,
                "http://127.0.0.1:" + server.httpPort() + "/api/events/v1alpha1/apps/my-app/readme")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> new BufferedReader(new InputStreamReader(curl.getInputStream(),
                StandardCharsets.UTF_8)).lines().forEach(lines::add), "curl-reader");
        reader.setDaemon(true);
        reader.start();
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        try {
            // curl says nothing until the first event: publish until one shows.
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
                publish(device, "readme", "{\"t\":21}");
                return lines.stream().anyMatch(line -> line.startsWith("data: "));
            });
            List<String> event = List.copyOf(lines).subList(0, 3);
            assertTrue(event.get(0).startsWith("id: "), event.toString());
            assertEquals("event: io.drogue.event.v1", event.get(1));
            assertEquals("readme", JSON.readTree(event.get(2).substring(6)).get("subject").asText());
        } finally {
            device.disconnect();
            curl.destroy();
            curl.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void channelInThePathSelectsThatChannelOnly() throws Exception {
        try (SseStream stream = SseStream.open(uri("http", "my-app/temp"), BEARER)) {
            String marker = UUID.randomUUID().toString();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            try {
                publish(device, "humidity", "{\"marker\":\"" + marker + "\"}");
                publish(device, "temp", "{\"marker\":\"" + marker + "\"}");
                // In order: had humidity (or the connection event) been streamed, it would come first.
                JsonNode first = stream.next(e -> true);
                assertEquals("temp", first.get("subject").asText());
                assertEquals(marker, first.get("data").get("marker").asText());
            } finally {
                device.disconnect();
            }
        }
    }

    @Test
    void tokenQueryParameterAuthenticatesABrowserWebSocket() throws Exception {
        String token = URLEncoder.encode("backend@my-app:backend-key", StandardCharsets.UTF_8);
        try (WebSocketStream stream = WebSocketStream.open(uri("ws", "my-app?token=" + token), Map.of())) {
            String marker = UUID.randomUUID().toString();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            try {
                publish(device, "temp", "{\"marker\":\"" + marker + "\"}");
                assertDeviceEvent(stream.next(e -> marker.equals(e.path("data").path("marker").asText())), "temp",
                        marker);
            } finally {
                device.disconnect();
            }
        }
    }

    @Test
    void basicAuthWorksForNonBrowserClients() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(bytes("backend@my-app:backend-key"));
        try (SseStream stream = SseStream.open(uri("http", "my-app"), basic)) {
            assertEquals(200, stream.response.statusCode());
        }
    }

    @Test
    void keyOfAnotherApplicationIsForbidden() throws Exception {
        HttpResponse<String> response = get(uri("http", "my-app"), "Bearer other-backend@second-app:other-key");
        assertEquals(403, response.statusCode(), response.body());
        assertTrue(JSON.readTree(response.body()).get("message").asText().contains("second-app"), response.body());

        CompletionException refused = assertThrows(CompletionException.class,
                () -> WebSocketStream.open(uri("ws", "my-app"),
                        Map.of("Authorization", "Bearer other-backend@second-app:other-key")));
        assertEquals(403, assertInstanceOf(WebSocketHandshakeException.class, refused.getCause()).getResponse()
                .statusCode());
    }

    @Test
    void wrongOrMissingKeyIsUnauthorizedWithAChallenge() throws Exception {
        for (String authorization : new String[] {"Bearer backend@my-app:wrong", "Bearer nobody@my-app:backend-key",
                null}) {
            HttpResponse<String> response = get(uri("http", "my-app"), authorization);
            assertEquals(401, response.statusCode(), response.body());
            assertEquals("Bearer realm=\"hatchway\"", response.headers().firstValue("WWW-Authenticate").orElse(""));
            assertNotNull(JSON.readTree(response.body()).get("message"));
        }
    }

    @Test
    void basicAuthFromABrowserIsRefused() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(bytes("backend@my-app:backend-key"));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("http", "my-app"))
                .header("Authorization", basic).header("Origin", "https://evil.example")
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, response.statusCode(), response.body());
    }

    @Test
    void disabledApplicationIsForbidden() throws Exception {
        HttpResponse<String> response = get(uri("http", "off-app"), "Bearer backend@off-app:off-key");
        assertEquals(403, response.statusCode(), response.body());
    }

    @Test
    void unknownPathIsNotFoundAndOtherRoutesStillServe() throws Exception {
        assertEquals(404, get(URI.create("http://127.0.0.1:" + server.httpPort() + "/api/events/v1alpha1/apps"),
                BEARER).statusCode());
        assertEquals(404, get(URI.create("http://127.0.0.1:" + server.httpPort() + "/api/events/v2/apps/my-app"),
                BEARER).statusCode());
        HttpResponse<String> live = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.httpPort() + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode());
    }

    @Test
    void requestThatAcceptsNeitherFormIsNotAcceptable() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("http", "my-app"))
                .header("Authorization", BEARER).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(406, response.statusCode(), response.body());
        assertTrue(response.body().contains("text/event-stream"), response.body());
    }

    @Test
    void membersOfAGroupShareTheEventsEachExactlyOnce() throws Exception {
        URI grouped = uri("http", "my-app/grouped?group_id=dashboards");
        try (SseStream first = SseStream.open(grouped, BEARER); SseStream second = SseStream.open(grouped, BEARER)) {
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            List<String> sent = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    String marker = UUID.randomUUID().toString();
                    sent.add(marker);
                    publish(device, "grouped", "{\"marker\":\"" + marker + "\"}");
                }
                // One sentinel for each member: each stream is in order, so once both arrived nothing is in flight.
                publish(device, "grouped", "{\"marker\":\"sentinel\"}");
                publish(device, "grouped", "{\"marker\":\"sentinel\"}");
            } finally {
                device.disconnect();
            }
            List<String> firstGot = first.markersUntilSentinel();
            List<String> secondGot = second.markersUntilSentinel();
            assertEquals(5, firstGot.size(), "taking turns: " + firstGot + " / " + secondGot);
            assertEquals(5, secondGot.size(), "taking turns: " + firstGot + " / " + secondGot);
            Set<String> all = new HashSet<>(firstGot);
            all.addAll(secondGot);
            assertEquals(new HashSet<>(sent), all);
        }
    }

    @Test
    void stalledConsumerIsCutOffWhileTheDeviceKeepsPublishing() throws Exception {
        // Enough events to fill what the kernel buffers for the socket (at most tcp_wmem's maximum on the server's
        // side; the client's receive buffer is small) and then the stream's queue, with room to spare.
        String padding = "x".repeat(8000);
        int events = EventStreamApi.QUEUE_LIMIT + (int) (maxSendBuffer() / padding.length()) + 500;
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", server.httpPort()));
            stalled.getOutputStream().write(bytes("GET /api/events/v1alpha1/apps/my-app/stall HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nAccept: text/event-stream\r\nAuthorization: " + BEARER + "\r\n\r\n"));
            // The head is read (the stream is subscribed once it is sent), then nothing more.
            String head = readHead(stalled.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            // A second stream, which reads, shows when every event has been offered.
            try (SseStream reader = SseStream.open(uri("http", "my-app/stall"), BEARER)) {
                Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
                Mqtt5AsyncClient async = device.toAsync();
                try {
                    List<CompletableFuture<?>> acks = new ArrayList<>();
                    for (int i = 0; i < events; i++) {
                        acks.add(async.publishWith().topic("stall").qos(MqttQos.AT_LEAST_ONCE)
                                .payload(bytes("{\"n\":" + i + ",\"pad\":\"" + padding + "\"}")).send()
                                .thenAccept(result -> assertEquals(Mqtt5PubAckReasonCode.SUCCESS,
                                        ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode())));
                    }
                    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    assertEquals(events - 1, reader.next(e -> e.path("data").path("n").asInt() == events - 1)
                            .get("data").get("n").asInt());
                } finally {
                    device.disconnect();
                }
            }
            // The stalled stream has ended: reading it now reaches its end, well short of every event.
            stalled.setSoTimeout(30_000);
            String received = readToEnd(stalled.getInputStream());
            long data = received.lines().filter(line -> line.startsWith("data: {")).count();
            assertTrue(data < events, "got all " + data + " events");
        }
    }

    /** Linux's largest send buffer for a TCP socket; elsewhere, the same as Linux's default. */
    private static long maxSendBuffer() throws IOException {
        Path wmem = Path.of("/proc/sys/net/ipv4/tcp_wmem");
        if (!Files.isReadable(wmem)) {
            return 4L << 20;
        }
        // readAllLines: Files.readString trusts the size /proc reports and may return part of the file.
        String[] values = Files.readAllLines(wmem).get(0).trim().split("\\s+");
        return Long.parseLong(values[values.length - 1]);
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void assertDeviceEvent(JsonNode event, String channel, String marker) {
        assertEquals("io.drogue.event.v1", event.get("type").asText());
        assertEquals(channel, event.get("subject").asText());
        assertEquals("my-app", event.get("application").asText());
        assertEquals("device1", event.get("device").asText());
        assertEquals("drogue://my-app/device1", event.get("source").asText());
        assertEquals(marker, event.get("data").get("marker").asText());
    }

    @Test
    void wrongKeysAreAnsweredAfterTheFailureDelayAndThenThrottled() throws Exception {
        // mqtt.authFailureDelay (1 s by default) applies here too, and mqtt.maxAuthFailuresPerIdentity (10).
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> guesses = new java.util.ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            guesses.add(HTTP.sendAsync(HttpRequest.newBuilder(uri("http", "my-app"))
                    .header("Accept", "text/event-stream").header("Authorization", "Bearer guessed@my-app:wrong-" + i)
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var guess : guesses) {
            assertEquals(401, guess.join().statusCode());
        }
        long millis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 990, "answered after " + millis + " ms, before the failure delay");
        HttpResponse<String> throttled = get(uri("http", "my-app"), "Bearer guessed@my-app:guessed-right");
        assertEquals(429, throttled.statusCode(), throttled.body());
        assertTrue(throttled.body().contains("too many failed authentications"), throttled.body());
    }

    private static void publish(Mqtt5BlockingClient device, String topic, String json) {
        device.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(json)).send();
    }

    private static HttpResponse<String> get(URI uri, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A WebSocket stream read by the JDK's client: every text message, parsed. */
    private static final class WebSocketStream implements WebSocket.Listener, AutoCloseable {
        private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static WebSocketStream open(URI uri, Map<String, String> headers) {
            WebSocketStream stream = new WebSocketStream();
            WebSocket.Builder builder = HTTP.newWebSocketBuilder();
            headers.forEach(builder::header);
            stream.socket = builder.buildAsync(uri, stream).join();
            return stream;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                events.add(parse(partial.toString()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        JsonNode next(Predicate<JsonNode> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (event != null && wanted.test(event)) {
                    return event;
                }
            }
            throw new AssertionError("no such event within " + WAIT);
        }

        @Override
        public void close() {
            socket.abort();
        }
    }

    /** A Server-Sent Events stream read line by line by the JDK's HttpClient, on a thread of its own. */
    private static final class SseStream implements AutoCloseable {
        final HttpResponse<Stream<String>> response;
        private final BlockingQueue<Map<String, String>> events = new LinkedBlockingQueue<>();

        private SseStream(HttpResponse<Stream<String>> response) {
            this.response = response;
            Thread reader = new Thread(() -> {
                Map<String, String> fields = new HashMap<>();
                try {
                    response.body().forEach(line -> {
                        if (line.isEmpty()) {
                            if (fields.containsKey("data")) {
                                events.add(Map.copyOf(fields));
                            }
                            fields.clear();
                        } else if (!line.startsWith(":")) {
                            int colon = line.indexOf(':');
                            fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
                        }
                    });
                } catch (RuntimeException closed) {
                    // the test closed the stream
                }
            }, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static SseStream open(URI uri, String authorization) throws Exception {
            HttpResponse<Stream<String>> response = HTTP.send(HttpRequest.newBuilder(uri)
                    .header("Accept", "text/event-stream").header("Authorization", authorization).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, response.statusCode());
            return new SseStream(response);
        }

        Map<String, String> nextFields(Predicate<JsonNode> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                Map<String, String> fields = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (fields != null && wanted.test(parse(fields.get("data")))) {
                    return fields;
                }
            }
            throw new AssertionError("no such event within " + WAIT);
        }

        JsonNode next(Predicate<JsonNode> wanted) throws InterruptedException {
            return parse(nextFields(wanted).get("data"));
        }

        /** The markers of the events before the first sentinel. */
        List<String> markersUntilSentinel() throws InterruptedException {
            List<String> markers = new ArrayList<>();
            while (true) {
                String marker = next(e -> true).get("data").get("marker").asText();
                if (marker.equals("sentinel")) {
                    return markers;
                }
                markers.add(marker);
            }
        }

        @Override
        public void close() {
            response.body().close();
        }
    }
}
