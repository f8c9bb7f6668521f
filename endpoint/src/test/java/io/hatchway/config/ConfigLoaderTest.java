package io.hatchway.config;

import io.hatchway.mqtt.MqttLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String yaml) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        return file;
    }

    private ConfigException refused(Path file) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    }

    private static void assertMentions(ConfigException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should name " + part);
        }
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void exampleConfigurationLoadsWithItsDocumentedValues() throws Exception {
        Path example = Path.of("../docker/hatchway.yaml").toAbsolutePath().normalize();
        HatchwayConfig config = ConfigLoader.load(example);

        assertEquals(new BindAddress("127.0.0.1", 1883), config.mqtt().bind());
        assertEquals(262_144, config.mqtt().maxPacketSize());
        assertEquals(Duration.ofSeconds(10), config.mqtt().connectTimeout());
        assertEquals(32, config.mqtt().receiveMaximum());
        assertEquals(Optional.of(new BindAddress("127.0.0.1", 1884)), config.integration().mqtt());
        assertEquals(new BindAddress("127.0.0.1", 8080), config.http().bind());
        assertEquals(Optional.empty(), config.http().token());
        assertEquals(example.getParent().resolve("registry.yaml"), config.registryFile());
        assertEquals(HatchwayConfig.Sink.FILE, config.events().sink());
        assertEquals(example.getParent().resolve("events.jsonl"), config.events().path());
        assertEquals("hatchway-1", config.instance());
        assertEquals(Optional.of(new HatchwayConfig.WebSocket(new BindAddress("127.0.0.1", 8083), "/mqtt",
                java.util.List.of())), config.ws());
        assertEquals(Optional.of(new HatchwayConfig.WebSocket(new BindAddress("127.0.0.1", 8085), "/mqtt",
                java.util.List.of())), config.integration().ws());
        assertEquals(Optional.empty(), config.mqtts());
    }

    @Test
    void secureListenersAreReadWithTheirFilesResolvedNextToTheConfig() throws Exception {
        write("certs/server.pem", "not checked here");
        write("certs/server.key", "not checked here");
        Path file = write("hatchway.yaml", """
                registry: { file: registry.yaml }
                mqtts: { bind: 127.0.0.1:8883, cert: certs/server.pem, key: certs/server.key, clientAuth: require }
                mqttsPsk: { bind: 127.0.0.1:8884 }
                wss: { bind: 127.0.0.1:8084, path: /mqtt, allowedOrigins: [ "https://app.example" ] }
                """);
        HatchwayConfig config = ConfigLoader.load(file);
        HatchwayConfig.Tls tls = config.mqtts().orElseThrow();
        assertEquals(dir.resolve("certs/server.pem"), tls.cert());
        assertEquals(HatchwayConfig.ClientAuth.REQUIRE, tls.clientAuth());
        assertEquals(new BindAddress("127.0.0.1", 8884), config.mqttsPsk().orElseThrow().bind());
        assertEquals(java.util.List.of("https://app.example"), config.wss().orElseThrow().allowedOrigins());
    }

    @Test
    void secureListenerMistakesNameTheKey() throws Exception {
        assertMentions(refused(write("a.yaml", """
                registry: { file: registry.yaml }
                mqtts: { cert: missing.pem, key: missing.key }
                """)), "a.yaml", "mqtts.cert", "missing.pem");
        write("s.pem", "x");
        write("s.key", "x");
        assertMentions(refused(write("b.yaml", """
                registry: { file: registry.yaml }
                mqtts: { cert: s.pem, key: s.key, clientAuth: sometimes }
                """)), "b.yaml", "mqtts.clientAuth", "none, optional or require");
        assertMentions(refused(write("c.yaml", """
                registry: { file: registry.yaml }
                wss: { bind: 127.0.0.1:8084 }
                """)), "c.yaml", "wss", "mqtts");
        assertMentions(refused(write("d.yaml", """
                registry: { file: registry.yaml }
                ws: { path: mqtt }
                """)), "d.yaml", "ws.path", "'/'");
    }

    @Test
    void unknownKeyIsRefusedNamingFileLineAndKeyPath() throws Exception {
        Path file = write("hatchway.yaml", """
                registry:
                  file: registry.yaml
                mqtt:
                  bnd: 127.0.0.1:1883
                """);
        // line 4 is where the unknown key is written
        assertMentions(refused(file), file.toAbsolutePath().toString() + ":4:", "mqtt.bnd");
    }

    @Test
    void invalidDurationIsRefusedNamingTheKey() throws Exception {
        Path file = write("hatchway.yaml", """
                registry: { file: registry.yaml }
                mqtt: { connectTimeout: ten seconds }
                """);
        assertMentions(refused(file), file.toAbsolutePath().toString(), "mqtt.connectTimeout", "ten seconds");
    }

    @Test
    void limitsAreReadAndDefaulted() throws Exception {
        HatchwayConfig defaults = ConfigLoader.load(write("defaults.yaml", "registry: { file: registry.yaml }\n"));
        assertEquals(MqttLimits.DEFAULTS, defaults.mqtt().limits());
        HatchwayConfig set = ConfigLoader.load(write("limits.yaml", """
                registry: { file: registry.yaml }
                mqtt:
                  maxKeepAlive: 5m
                  maxConnections: 5000
                  maxTopicLength: 256
                  maxTopicLevels: 8
                  authFailureDelay: 2s
                  maxAuthFailuresPerAddress: 50
                  maxAuthFailuresPerIdentity: 5
                  authFailureWindow: 10m
                """));
        assertEquals(new MqttLimits(Duration.ofMinutes(5), 5000, 256, 8, Duration.ofSeconds(2), 50, 5,
                Duration.ofMinutes(10)), set.mqtt().limits());
    }

    @Test
    void integrationListenerIsOffUnlessConfigured() throws Exception {
        assertEquals(HatchwayConfig.Integration.DEFAULTS,
                ConfigLoader.load(write("none.yaml", "registry: { file: registry.yaml }\n")).integration());
        HatchwayConfig config = ConfigLoader.load(write("integration.yaml", """
                registry: { file: registry.yaml }
                integration: { mqtt: { bind: 127.0.0.1:1884 }, maxQueued: 500, maxQueuedBytes: 1048576 }
                """));
        assertEquals(Optional.of(new BindAddress("127.0.0.1", 1884)), config.integration().mqtt());
        assertEquals(500, config.integration().maxQueued());
        assertEquals(1_048_576, config.integration().maxQueuedBytes());
        assertMentions(refused(write("bad.yaml", """
                registry: { file: registry.yaml }
                integration: { mqtt: { bind: nowhere }, maxQueued: 0 }
                """)), "bad.yaml", "integration.mqtt.bind");
        assertMentions(refused(write("tls.yaml", """
                registry: { file: registry.yaml }
                integration: { mqtts: { bind: 127.0.0.1:8885 } }
                """)), "tls.yaml", "integration.mqtts", "mqtts.cert");
        assertMentions(refused(write("queue.yaml", """
                registry: { file: registry.yaml }
                integration: { maxQueued: 70000 }
                """)), "queue.yaml", "integration.maxQueued", "1..65535");
        assertEquals(Optional.of(new HatchwayConfig.WebSocket(new BindAddress("127.0.0.1", 8085), "/mqtt",
                java.util.List.of())),
                ConfigLoader.load(write("ws.yaml", """
                        registry: { file: registry.yaml }
                        integration: { ws: {} }
                        """)).integration().ws());
        assertMentions(refused(write("ws-path.yaml", """
                registry: { file: registry.yaml }
                integration: { ws: { bind: 127.0.0.1:8085, path: mqtt } }
                """)), "ws-path.yaml", "integration.ws.path", "must start with '/'");
    }

    @Test
    void outOfRangeLimitsAreRefusedNamingTheKey() throws Exception {
        assertMentions(refused(write("a.yaml", """
                registry: { file: registry.yaml }
                mqtt: { maxKeepAlive: 19h }
                """)), "a.yaml", "mqtt.maxKeepAlive", "65535s");
        assertMentions(refused(write("b.yaml", """
                registry: { file: registry.yaml }
                mqtt: { maxConnections: 0 }
                """)), "b.yaml", "mqtt.maxConnections", "out of range 1..");
        assertMentions(refused(write("c.yaml", """
                registry: { file: registry.yaml }
                mqtt: { authFailureWindow: 0s }
                """)), "c.yaml", "mqtt.authFailureWindow", "greater than 0");
        assertMentions(refused(write("d.yaml", """
                registry: { file: registry.yaml }
                mqtt: { maxTopicLevels: 70000 }
                """)), "d.yaml", "mqtt.maxTopicLevels", "1..65535");
    }

    @Test
    void outOfRangeMaxPacketSizeIsRefusedNamingTheKeyAndTheRange() throws Exception {
        Path file = write("hatchway.yaml", """
                registry: { file: registry.yaml }
                mqtt: { maxPacketSize: 268435456 }
                """);
        assertMentions(refused(file), file.toAbsolutePath().toString(), "mqtt.maxPacketSize", "268435455");
    }

    @Test
    void nonLoopbackHttpBindWithoutTokenIsRefused() throws Exception {
        Path file = write("hatchway.yaml", """
                registry: { file: registry.yaml }
                http: { bind: 0.0.0.0:8080 }
                """);
        assertMentions(refused(file), file.toAbsolutePath().toString(), "http.bind", "http.token");
    }

    @Test
    void nonLoopbackHttpBindWithTokenIsAccepted() throws Exception {
        Path file = write("hatchway.yaml", """
                registry: { file: registry.yaml }
                http: { bind: 0.0.0.0:8080, token: s3cret }
                events: { sink: stdout }
                """);
        HatchwayConfig config = ConfigLoader.load(file);
        assertEquals(new BindAddress("0.0.0.0", 8080), config.http().bind());
        assertEquals(Optional.of("s3cret"), config.http().token());
    }

    @Test
    void relativeRegistryAndEventsPathsResolveAgainstTheConfigFilesDirectory() throws Exception {
        Path file = write("conf/hatchway.yaml", """
                registry: { file: ../registries/registry.yaml }
                events: { sink: file, path: out/events.jsonl }
                """);
        HatchwayConfig config = ConfigLoader.load(file);
        Path base = dir.toAbsolutePath().normalize();
        assertEquals(base.resolve("registries/registry.yaml"), config.registryFile());
        assertEquals(base.resolve("conf/out/events.jsonl"), config.events().path());
    }

    @Test
    void missingRegistryFileIsRefusedNamingIt() throws Exception {
        Path file = write("hatchway.yaml", """
                mqtt: { bind: 127.0.0.1:1883 }
                """);
        assertMentions(refused(file), file.toAbsolutePath().toString(), "registry.file");
    }

    @Test
    void missingConfigFileIsRefusedNamingIt() {
        Path file = dir.resolve("nowhere.yaml");
        assertMentions(refused(file), file.toAbsolutePath().toString());
    }

    @Test
    void kafkaSinkAndCommandsTopicAreRead() throws Exception {
        Path file = write("kafka.yaml", """
                registry: { file: registry.yaml }
                events:
                  sink: kafka
                  kafka:
                    bootstrapServers: kafka-1:9092,kafka-2:9092
                    topic: "telemetry-{app}"
                    mode: structured
                    properties: { compression.type: zstd }
                commands:
                  kafka: { topic: fleet-commands }
                instance: edge-7
                """);
        HatchwayConfig config = ConfigLoader.load(file);
        assertEquals(HatchwayConfig.Sink.KAFKA, config.events().sink());
        assertEquals("kafka-1:9092,kafka-2:9092", config.events().kafka().bootstrapServers());
        assertEquals("telemetry-{app}", config.events().kafka().topic());
        assertEquals(io.hatchway.events.KafkaSinkSettings.Mode.STRUCTURED, config.events().kafka().mode());
        assertEquals(java.util.Map.of("compression.type", "zstd"), config.events().kafka().properties());
        assertEquals("fleet-commands", config.events().commandsTopic());
        Path defaults = write("kafka-defaults.yaml", """
                registry: { file: registry.yaml }
                events: { sink: kafka, kafka: { bootstrapServers: "localhost:9092" } }
                """);
        HatchwayConfig byDefault = ConfigLoader.load(defaults);
        assertEquals("events-{app}", byDefault.events().kafka().topic());
        assertEquals("iot-commands", byDefault.events().commandsTopic());
    }

    @Test
    void kafkaMistakesNameTheKey() throws Exception {
        assertMentions(refused(write("a.yaml", """
                registry: { file: registry.yaml }
                events: { sink: kafka }
                """)), "a.yaml", "events.kafka.bootstrapServers");
        assertMentions(refused(write("b.yaml", """
                registry: { file: registry.yaml }
                events: { sink: kafka, kafka: { bootstrapServers: "k:9092", properties: { acks: "1" } } }
                """)), "b.yaml", "events.kafka.properties.acks", "cannot be overridden");
        assertMentions(refused(write("c.yaml", """
                registry: { file: registry.yaml }
                events: { sink: file }
                commands: { kafka: { topic: x } }
                """)), "c.yaml", "commands", "events.sink: kafka");
        assertMentions(refused(write("d.yaml", """
                registry: { file: registry.yaml }
                events: { sink: kafka, kafka: { bootstrapServers: "k:9092" } }
                commands: { kafka: { topic: "no spaces" } }
                """)), "d.yaml", "commands.kafka.topic");
    }

    @Test
    void httpSinkIsReadAndItsUrlChecked() throws Exception {
        HatchwayConfig config = ConfigLoader.load(write("http.yaml", """
                registry: { file: registry.yaml }
                events:
                  sink: http
                  http: { url: "https://collector.example/events", headers: { X-Key: abc }, timeout: 2s }
                mqtt: { blockedTimeout: 45s }
                """));
        assertEquals(HatchwayConfig.Sink.HTTP, config.events().sink());
        assertEquals(java.net.URI.create("https://collector.example/events"), config.events().http().url());
        assertEquals(java.util.Map.of("X-Key", "abc"), config.events().http().headers());
        assertEquals(Duration.ofSeconds(2), config.events().http().timeout());
        assertEquals(Duration.ofSeconds(45), config.mqtt().blockedTimeout());
        assertMentions(refused(write("e.yaml", """
                registry: { file: registry.yaml }
                events: { sink: http, http: { url: "ftp://x/y" } }
                """)), "e.yaml", "events.http.url");
    }
}
