package io.hatchway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@code java io.hatchway.Main} as an operator runs it: a bad start ends at once with one readable line. */
class MainTest {

    @TempDir
    Path dir;

    /** How a finished run ended. */
    private record Run(int exitCode, List<String> stderr) {
    }

    private Run run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.hatchway.Main"));
        command.addAll(List.of(args));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("Main did not exit within 60 s; stderr: " + Files.readString(err));
        }
        List<String> stderr = Files.readAllLines(err).stream().filter(line -> !line.isBlank()).toList();
        return new Run(process.exitValue(), stderr);
    }

    private static String onlyLine(Run run) {
        assertEquals(1, run.stderr().size(), "exactly one line on stderr, got " + run.stderr());
        return run.stderr().get(0);
    }

    @Test
    void unknownConfigKeyExitsNonZeroWithOneLineNamingTheFileAndTheKey() throws Exception {
        Path config = dir.resolve("hatchway.yaml");
        Files.writeString(config, """
                registry: { file: registry.yaml }
                mqtt:
                  bnd: 127.0.0.1:1883
                """);

        Run run = run("--config", config.toString());

        assertNotEquals(0, run.exitCode());
        String line = onlyLine(run);
        assertTrue(line.contains(config.toAbsolutePath().toString()), line);
        assertTrue(line.contains("mqtt.bnd"), line);
    }

    @Test
    void invalidRegistryExitsNonZeroWithOneLineNamingTheRegistryFileLineAndField() throws Exception {
        Path registry = dir.resolve("registry.yaml");
        Files.writeString(registry, """
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: no-such-app }
                """);
        Path config = dir.resolve("hatchway.yaml");
        Files.writeString(config, """
                mqtt: { bind: 127.0.0.1:0 }
                http: { bind: 127.0.0.1:0 }
                registry: { file: registry.yaml }
                events: { sink: stdout }
                """);

        Run run = run("--config", config.toString());

        assertNotEquals(0, run.exitCode());
        String line = onlyLine(run);
        assertTrue(line.contains(registry.toAbsolutePath().toString() + ":4:"), "file and line 4: " + line);
        assertTrue(line.contains("devices[0].metadata.application"), "field: " + line);
    }

    @Test
    void missingConfigArgumentExitsNonZeroWithAUsageLine() throws Exception {
        Run run = run();

        assertNotEquals(0, run.exitCode());
        String line = onlyLine(run);
        assertTrue(line.contains("usage") && line.contains("--config"), line);
    }
}
