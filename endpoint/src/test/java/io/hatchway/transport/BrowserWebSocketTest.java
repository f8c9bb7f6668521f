package io.hatchway.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * End to end from a real browser: headless Chromium loads a page that uses MQTT.js to connect over {@code ws} as a
 * device with a password, publishes an event with QoS 1 and receives a command sent through the HTTP API.
 *
 * <p>Needs Debian's {@code chromium} and the npm package {@code mqtt} in {@code src/test/browser/node_modules};
 * {@code .ci/run} installs both. The test fails, never skips, when either is missing. The page reports what
 * happens by POSTing JSON to the small loopback HTTP server that also serves it.
 */
class BrowserWebSocketTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** Relative to the module directory, the working directory of tests run by Maven. */
    private static final Path MQTT_JS = Path.of("src/test/browser/node_modules/mqtt/dist/mqtt.min.js");
    /** Kept after the run (unlike the temporary directory) for diagnosing a failure. */
    private static final Path CHROMIUM_LOG = Path.of("target/surefire-reports/BrowserWebSocketTest-chromium.log");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String PAGE = """
            <!DOCTYPE html>
            <html>
            <head><meta charset="utf-8"><title>Hatchway browser test</title></head>
            <body>
            <script src="/mqtt.min.js"></script>
            <script>
            const config = %s;
            function report(status, detail) {
                return fetch("/report", {
                    method: "POST",
                    headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ status: status, detail: detail === undefined ? "" : String(detail) }),
                });
            }
            try {
                const client = mqtt.connect(config.url, {
                    clientId: "browser-" + config.marker,
                    username: config.username,
                    password: config.password,
                    reconnectPeriod: 0,
                    connectTimeout: 10000,
                });
                client.on("connect", () => {
                    report("connected");
                    client.subscribe("command/inbox//#", { qos: 1 }, (error, granted) => {
                        if (error) {
                            report("error", "subscribe: " + error);
                            return;
                        }
                        report("subscribed", JSON.stringify(granted));
                        client.publish("browser", JSON.stringify({ marker: config.marker }), { qos: 1 }, error => {
                            report(error ? "error" : "puback", error ? "publish: " + error : "");
                        });
                    });
                });
                client.on("message", (topic, payload) => report("command received", topic + " " + payload));
                client.on("error", error => report("error", error));
                client.on("close", () => report("closed"));
            } catch (error) {
                report("error", error);
            }
            </script>
            </body>
            </html>
            """;

    @TempDir
    Path dir;

    private final List<JsonNode> reports = new CopyOnWriteArrayList<>();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void mqttJsInChromiumPublishesAnEventAndReceivesACommand() throws Exception {
        requireChromium();
        byte[] mqttJs = requireMqttJs();
        String marker = UUID.randomUUID().toString();
        Path serverDir = Files.createDirectory(dir.resolve("server"));
        Path chromiumLog = CHROMIUM_LOG.toAbsolutePath();
        Files.createDirectories(chromiumLog.getParent());
        BindAddress any = new BindAddress("127.0.0.1", 0);

        try (TestServer server = TestServer.start(serverDir, TestServer.REGISTRY, Duration.ofSeconds(10),
                Optional.empty(), config -> config.withListeners(Optional.empty(), Optional.empty(),
                        Optional.of(new HatchwayConfig.WebSocket(any, "/mqtt", List.of())), Optional.empty()))) {
            String page = PAGE.formatted(JSON.writeValueAsString(Map.of(
                    "url", "ws://127.0.0.1:" + server.port("ws") + "/mqtt",
                    "username", "device1@my-app",
                    "password", "hey-rodney",
                    "marker", marker)));
            HttpServer site = serve(page, mqttJs);
            Process chromium = null;
            try {
                chromium = startChromium("http://127.0.0.1:" + site.getAddress().getPort() + "/", chromiumLog);

                awaitReport("puback", Duration.ofSeconds(30));
                // QoS 1 acknowledged means the event is stored.
                JsonNode event = server.events().stream()
                        .filter(e -> marker.equals(e.path("data").path("marker").asText()))
                        .findFirst().orElseThrow(() -> new AssertionError("no event with marker " + marker));
                assertEquals("device1", event.path("device").asText());
                assertEquals("my-app", event.path("application").asText());
                assertEquals("browser", event.path("subject").asText());

                String command = "{\"colour\":\"" + marker + "\"}";
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                                + "/api/command/v1alpha1/apps/my-app/devices/device1?command=set-colour"))
                        .timeout(Duration.ofSeconds(5))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(command)).build();
                // The subscription is in place before the publish, but retry anyway rather than rely on it.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                        .until(() -> http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode() == 202);

                JsonNode received = awaitReport("command received", Duration.ofSeconds(10));
                assertEquals("command/inbox//set-colour " + command, received.path("detail").asText());
            } catch (Throwable e) {
                throw new AssertionError(e.getMessage() + "\n" + diagnostics(chromiumLog), e);
            } finally {
                stop(chromium);
                site.stop(0);
            }
        }
    }

    /** Waits for the page to report a status, failing at once if it reports an error. */
    private JsonNode awaitReport(String status, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .failFast("the page reported an error", () -> reported("error").isPresent())
                .until(() -> reported(status).isPresent());
        return reported(status).orElseThrow();
    }

    private Optional<JsonNode> reported(String status) {
        return reports.stream().filter(r -> status.equals(r.path("status").asText())).findFirst();
    }

    /** Serves the page at {@code /}, MQTT.js at {@code /mqtt.min.js}, and collects the page's reports. */
    private HttpServer serve(String page, byte[] mqttJs) throws IOException {
        HttpServer site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if ("POST".equals(exchange.getRequestMethod()) && "/report".equals(path)) {
                reports.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
                respond(exchange, 204, null, new byte[0]);
            } else if ("/".equals(path)) {
                respond(exchange, 200, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
            } else if ("/mqtt.min.js".equals(path)) {
                respond(exchange, 200, "text/javascript; charset=utf-8", mqttJs);
            } else {
                respond(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            }
        });
        site.start();
        return site;
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
            throws IOException {
        try (exchange) {
            if (contentType != null) {
                exchange.getResponseHeaders().set("Content-Type", contentType);
            }
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
        }
    }

    private Process startChromium(String url, Path log) throws IOException {
        Path profile = Files.createDirectory(dir.resolve("chromium-profile"));
        List<String> command = List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic",
                // containers often have a small /dev/shm, and the launcher's own check for it can misfire
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, url);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Ends Chromium and its helper processes (renderer, zygote, ...). */
    private static void stop(Process chromium) throws InterruptedException {
        if (chromium == null) {
            return;
        }
        List<ProcessHandle> helpers = new ArrayList<>(chromium.descendants().toList());
        chromium.destroy();
        if (!chromium.waitFor(5, TimeUnit.SECONDS)) {
            chromium.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        for (ProcessHandle helper : helpers) {
            helper.destroyForcibly();
        }
    }

    /** The page's reports and the end of Chromium's output, without its D-Bus complaints (there is no bus). */
    private String diagnostics(Path chromiumLog) {
        StringBuilder text = new StringBuilder("page reports: ").append(reports)
                .append("\nchromium output (all of it in ").append(chromiumLog).append("):\n");
        try {
            List<String> lines = Files.exists(chromiumLog) ? Files.readAllLines(chromiumLog) : List.of();
            List<String> relevant = lines.stream().filter(l -> !l.contains(":ERROR:dbus/")).toList();
            relevant.subList(Math.max(0, relevant.size() - 40), relevant.size())
                    .forEach(l -> text.append(l).append('\n'));
        } catch (IOException e) {
            text.append("unreadable: ").append(e);
        }
        return text.toString();
    }

    private static void requireChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            fail(CHROMIUM + " is missing: install Debian's chromium (apt-get install chromium, or run .ci/run)");
        }
    }

    private static byte[] requireMqttJs() throws IOException {
        if (!Files.isRegularFile(MQTT_JS)) {
            fail(MQTT_JS.toAbsolutePath() + " is missing: run npm ci --prefix endpoint/src/test/browser"
                    + " from the repository root (.ci/run does)");
        }
        return Files.readAllBytes(MQTT_JS);
    }
}
