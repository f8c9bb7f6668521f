package io.hatchway.integration;

import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Removing an API key from the registry ends the backend connections that use it, at once. */
class KeyRevocationTest {

    private static final String WITH_KEYS = """
            applications:
              - metadata: { name: my-app }
                spec:
                  apiKeys: [ { name: backend, key: backend-key }, { name: dashboard, key: dashboard-key } ]
            devices:
              - metadata: { name: device1, application: my-app }
                spec: { authentication: { credentials: [ { pass: hey-rodney } ] } }
            """;

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, WITH_KEYS, Duration.ofSeconds(10), Optional.empty(),
                config -> config.withIntegration(new HatchwayConfig.Integration(
                        Optional.of(new BindAddress("127.0.0.1", 0)), 100)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void removingAKeyEndsItsMqttConnectionAndItsEventStreamButNotTheOthers() throws Exception {
        try (RawMqttClient backend = new RawMqttClient(server.port("integration"));
             RawMqttClient dashboard = new RawMqttClient(server.port("integration"))) {
            backend.send(RawMqttClient.connect("MQTT", 5, "revoked", "backend@my-app", "backend-key", 60));
            assertEquals(0x00, backend.readPacket()[3], "CONNACK");
            dashboard.send(RawMqttClient.connect("MQTT", 5, "kept", "dashboard@my-app", "dashboard-key", 60));
            assertEquals(0x00, dashboard.readPacket()[3], "CONNACK");
            HttpResponse<Stream<String>> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.httpPort() + "/api/events/v1alpha1/apps/my-app"))
                    .header("Authorization", "Bearer backend@my-app:backend-key").build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, stream.statusCode());

            Files.writeString(server.registryFile(), WITH_KEYS.replace("{ name: backend, key: backend-key }, ", ""));

            byte[] disconnect = backend.readPacket();
            assertEquals((byte) 0xE0, disconnect[0], "DISCONNECT");
            assertEquals((byte) 0x87, disconnect[2], "Not authorized");
            assertTrue(backend.closedWithin(5_000));
            Iterator<String> lines = stream.body().iterator();
            CompletableFuture<Boolean> ended = CompletableFuture.supplyAsync(() -> {
                boolean error = false;
                while (lines.hasNext()) {
                    error |= lines.next().equals("event: error");
                }
                return error;
            });
            assertTrue(ended.get(10, TimeUnit.SECONDS), "the stream ended with an error event");
            assertFalse(dashboard.closedWithin(1_000), "the dashboard's key was not touched");
        }
    }
}
