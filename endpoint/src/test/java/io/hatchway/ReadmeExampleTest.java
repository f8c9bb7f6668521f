package io.hatchway;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's quick start with the real Debian mosquitto clients against an in-process server: publish an event,
 * get refused with a wrong password, receive a command sent through the HTTP API.
 */
class ReadmeExampleTest {

    private static final long PROCESS_TIMEOUT_SECONDS = 30;

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void mosquittoPubQos1PublishExitsZeroAndBecomesAnEvent() throws Exception {
        Result pub = run(mosquitto("mosquitto_pub", "-u", "device1@my-app", "-P", "hey-rodney",
                "-t", "temp", "-m", "{\"t\":21}", "-q", "1"));

        assertEquals(0, pub.exitCode(), pub.toString());
        // QoS 1 and exit 0 mean PUBACK, and PUBACK means the event is stored: no waiting needed.
        JsonNode event = server.events().stream()
                .filter(e -> "temp".equals(e.path("subject").asText())
                        && e.path("data").toString().equals("{\"t\":21}"))
                .findFirst().orElseThrow(() -> new AssertionError("no event for the publish"));
        assertEquals("device1", event.get("device").asText());
        assertEquals("my-app", event.get("application").asText());
        assertEquals("application/json", event.get("datacontenttype").asText());
    }

    @Test
    void mosquittoPubWithAWrongPasswordExitsNonZero() throws Exception {
        String marker = UUID.randomUUID().toString();
        Result pub = run(mosquitto("mosquitto_pub", "-u", "device1@my-app", "-P", "not-rodney",
                "-t", "temp", "-m", "\"" + marker + "\"", "-q", "1"));

        assertNotEquals(0, pub.exitCode(), pub.toString());
        assertTrue(server.events().stream().noneMatch(e -> e.toString().contains(marker)));
    }

    @Test
    void mosquittoPubOverMqtt5AndMqtt31IsAccepted() throws Exception {
        for (String version : List.of("mqttv5", "mqttv31")) {
            String marker = version + "-" + UUID.randomUUID();
            Result pub = run(mosquitto("mosquitto_pub", "-V", version, "-u", "device1@my-app", "-P", "hey-rodney",
                    "-t", "temp", "-m", "{\"m\":\"" + marker + "\"}", "-q", "1"));

            assertEquals(0, pub.exitCode(), version + ": " + pub);
            assertTrue(server.events().stream().anyMatch(e -> marker.equals(e.path("data").path("m").asText())
                    && "device1".equals(e.path("device").asText())), version + ": no event for the publish");
        }
    }

    @Test
    void mosquittoSubReceivesACommandPostedToTheHttpApi() throws Exception {
        Path out = dir.resolve("sub-" + UUID.randomUUID() + ".out");
        Process sub = start(mosquitto("mosquitto_sub", "-u", "device1@my-app", "-P", "hey-rodney",
                "-t", "command/inbox//#", "-v", "-C", "1", "-W", "20"), out);
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                            + "/api/command/v1alpha1/apps/my-app/devices/device1?command=set-temp"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"target\":22}")).build();
            // 404 until mosquitto_sub has connected and subscribed.
            HttpResponse<String> accepted = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> http.send(post, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 202);
            assertEquals("{\"message\":\"delivered\",\"recipients\":1}", accepted.body(), "as the README shows it");

            Result result = finish(sub, out);
            assertEquals(0, result.exitCode(), result.toString());
            assertEquals("command/inbox//set-temp {\"target\":22}", result.output().strip());
        } finally {
            sub.destroyForcibly();
        }
    }

    // --- processes -------------------------------------------------------------------------------------------

    private record Result(int exitCode, String output) {
    }

    /** {@code tool -h 127.0.0.1 -p <port> args...}, failing if the tool is not installed. */
    private static List<String> mosquitto(String tool, String... args) {
        requireOnPath(tool);
        List<String> command = new ArrayList<>(List.of(tool, "-h", "127.0.0.1", "-p",
                Integer.toString(server.mqttPort())));
        command.addAll(List.of(args));
        return command;
    }

    private static void requireOnPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String directory : path.split(File.pathSeparator)) {
            if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, tool))) {
                return;
            }
        }
        fail(tool + " is not on the PATH (" + path + "): install Debian's mosquitto-clients"
                + " (apt-get install mosquitto-clients) to run the README example");
    }

    private static Process start(List<String> command, Path out) throws Exception {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    private static Result finish(Process process, Path out) throws Exception {
        if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("did not exit within " + PROCESS_TIMEOUT_SECONDS + " s; output: " + Files.readString(out));
        }
        return new Result(process.exitValue(), Files.readString(out));
    }

    private static Result run(List<String> command) throws Exception {
        Path out = dir.resolve("run-" + UUID.randomUUID() + ".out");
        return finish(start(command, out), out);
    }
}
