package io.hatchway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A real Hatchway started in-process on ephemeral loopback ports, with a registry file and a file sink in a
 * temporary directory.
 */
public final class TestServer implements AutoCloseable {

    /** The registry most tests use. */
    public static final String REGISTRY = """
            applications:
              - metadata: { name: my-app }
                spec:
                  apiKeys: [ { name: backend, key: backend-key } ]
              - metadata: { name: off-app }
                spec: { disabled: true }
              - metadata: { name: second-app }
            devices:
              - metadata: { name: device1, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: hey-rodney
                  alias: [ "serial-1234" ]
              - metadata: { name: "dev@ice", application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: at-sign
              - metadata: { name: gateway01, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: gw-pass
                      - user: { username: gw-user, password: gw-secret, unique: true }
              - metadata: { name: sensor01, application: my-app }
                spec:
                  alias: [ "sensor-alias" ]
                  gatewaySelector: { matchNames: [ gateway01 ] }
              - metadata: { name: lonely, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: lonely-pass
              - metadata: { name: switched-off, application: my-app }
                spec:
                  disabled: true
                  authentication:
                    credentials:
                      - pass: off-pass
              - metadata: { name: other1, application: second-app }
                spec:
                  authentication:
                    credentials:
                      - pass: other-pass
              - metadata: { name: device9, application: off-app }
                spec:
                  authentication:
                    credentials:
                      - pass: nine
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Path registryFile;
    private final Path eventsFile;
    private final Hatchway hatchway;

    private TestServer(Path dir, Path registryFile, Path eventsFile, Hatchway hatchway) {
        this.dir = dir;
        this.registryFile = registryFile;
        this.eventsFile = eventsFile;
        this.hatchway = hatchway;
    }

    public static TestServer start(Path dir) throws Exception {
        return start(dir, REGISTRY, Duration.ofSeconds(10), Optional.empty());
    }

    public static TestServer start(Path dir, String registry, Duration connectTimeout, Optional<String> token)
            throws Exception {
        return start(dir, registry, connectTimeout, token, config -> config);
    }

    /** Starts with a configuration the caller may extend (e.g. with TLS or WebSocket listeners). */
    public static TestServer start(Path dir, String registry, Duration connectTimeout, Optional<String> token,
                                   java.util.function.UnaryOperator<HatchwayConfig> customize) throws Exception {
        Path registryFile = dir.resolve("registry.yaml");
        Files.writeString(registryFile, registry);
        Path eventsFile = dir.resolve("events.jsonl");
        HatchwayConfig config = new HatchwayConfig(
                new HatchwayConfig.Mqtt(new BindAddress("127.0.0.1", 0), 262_144, connectTimeout, 32),
                new HatchwayConfig.Http(new BindAddress("127.0.0.1", 0), token),
                registryFile,
                new HatchwayConfig.Events(HatchwayConfig.Sink.FILE, eventsFile, 10_000),
                "test-instance");
        return new TestServer(dir, registryFile, eventsFile, Hatchway.start(customize.apply(config)));
    }

    public int mqttPort() {
        return hatchway.mqttPort();
    }

    /** The port of a listener: mqtt, mqtts, mqttsPsk, ws, wss or http. */
    public int port(String listener) {
        return hatchway.port(listener);
    }

    public int httpPort() {
        return hatchway.httpPort();
    }

    public Path registryFile() {
        return registryFile;
    }

    public Path directory() {
        return dir;
    }

    /** Every event the file sink wrote so far, parsed. */
    public List<JsonNode> events() throws IOException {
        List<JsonNode> events = new ArrayList<>();
        if (!Files.exists(eventsFile)) {
            return events;
        }
        String written = Files.readString(eventsFile, StandardCharsets.UTF_8);
        // the sink may be appending: a last line without its newline is not complete yet
        for (String line : written.substring(0, written.lastIndexOf('\n') + 1).split("\n")) {
            if (!line.isBlank()) {
                events.add(JSON.readTree(line));
            }
        }
        return events;
    }

    @Override
    public void close() {
        hatchway.close();
    }
}
