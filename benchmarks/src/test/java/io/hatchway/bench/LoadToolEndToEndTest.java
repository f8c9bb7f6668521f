package io.hatchway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Short real runs of the tool: against an in-process Hatchway with its file sink, and against mosquitto. */
class LoadToolEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0} client, MQTT {1}")
    @CsvSource({"netty, 5", "hivemq, 3"})
    void qos1RunAgainstHatchwayIsAcknowledgedAndEveryAcknowledgedMessageIsInTheFileSink(String client, int mqtt,
                                                                                      @TempDir Path dir)
            throws Exception {
        Path registry = dir.resolve("registry.yaml");
        RegistryWriter.write(registry, "my-app", Fleet.generated(0, 2, "my-app", "pass-", false, "abcd1234"));
        try (InProcessHatchway hatchway = InProcessHatchway.start(registry, dir.resolve("events.jsonl"))) {
            Run run = run(dir, "--port", Integer.toString(hatchway.mqttPort()), "--devices", "2", "--qos", "1",
                    "--duration", "1500ms", "--client", client, "--mqtt", Integer.toString(mqtt),
                    "--verify-file", hatchway.events().toString(), "--verify-timeout", "10s");

            assertEquals(LoadTool.EXIT_OK, run.status, run.output());
            assertEquals(2, run.summary.at("/connections/accepted").asLong(), run.output());
            long acknowledged = run.summary.at("/publishing/acknowledged").asLong();
            assertTrue(acknowledged > 0, run.output());
            assertEquals(0, run.summary.at("/publishing/failed").asLong(), run.output());
            assertTrue(run.summary.at("/latencyMicros/p99").asLong() > 0, run.output());
            assertEquals(0, run.summary.at("/verification/lost").asLong(), run.output());
            assertEquals(0, run.summary.at("/verification/duplicated").asLong(), run.output());
            assertTrue(run.summary.at("/verification/found").asLong() >= acknowledged, run.output());
            assertTrue(run.summary.at("/verification/passed").asBoolean(), run.output());
            assertTrue(run.stdout.contains("verification file:"), run.output());
        }
    }

    @Test
    void wrongPasswordsAreCountedByConnackReasonAndTheRunFails(@TempDir Path dir) throws Exception {
        Path registry = dir.resolve("registry.yaml");
        RegistryWriter.write(registry, "my-app", Fleet.generated(0, 2, "my-app", "pass-", false, "abcd1234"));
        try (InProcessHatchway hatchway = InProcessHatchway.start(registry, dir.resolve("events.jsonl"))) {
            Run run = run(dir, "--port", Integer.toString(hatchway.mqttPort()), "--devices", "2",
                    "--password-prefix", "wrong-", "--duration", "100ms");

            assertEquals(LoadTool.EXIT_FAILED, run.status, run.output());
            assertEquals(2, run.summary.at("/connections/failed").asLong(), run.output());
            assertEquals(2, run.summary.at("/errors/connack:BAD_USER_NAME_OR_PASSWORD(0x86)").asLong(),
                    run.output());
        }
    }

    @Test
    void registryOnlyWritesTheRegistryAndConnectsNowhere(@TempDir Path dir) throws Exception {
        Path registry = dir.resolve("registry.yaml");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadTool.run(new String[] {"--devices", "3", "--registry-out", registry.toString(),
                "--registry-only", "--port", "1"}, new StopSignal(), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);

        assertEquals(LoadTool.EXIT_OK, status, err.toString(StandardCharsets.UTF_8));
        assertEquals(3, io.hatchway.registry.RegistryLoader.load(registry).devices("my-app").size());
    }

    @Test
    void noAuthQos1RunAgainstMosquittoIsAcknowledged(@TempDir Path dir) throws Exception {
        try (MosquittoProcess mosquitto = MosquittoProcess.start(dir)) {
            Run run = run(dir, "--port", Integer.toString(mosquitto.port()), "--no-auth", "--devices", "2",
                    "--qos", "1", "--duration", "1s", "--server-pid", Long.toString(mosquitto.pid()));

            assertEquals(LoadTool.EXIT_OK, run.status, run.output());
            assertEquals(2, run.summary.at("/connections/accepted").asLong(), run.output());
            assertTrue(run.summary.at("/publishing/acknowledged").asLong() > 0, run.output());
            assertTrue(run.summary.at("/cpu/serverSeconds").isNumber(), run.output());
            assertTrue(run.summary.at("/errors").isEmpty(), run.output());
        }
    }

    private record Run(int status, String stdout, String stderr, JsonNode summary) {
        String output() {
            return "stdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    private static Run run(Path dir, String... args) throws Exception {
        Path json = dir.resolve("summary.json");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--summary-json", json.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadTool.run(all.toArray(String[]::new), new StopSignal(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                false);
        JsonNode summary = JSON.readTree(json.toFile());
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), summary);
    }
}
