package io.hatchway.integration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hatchway.Clients;
import io.hatchway.TestPki;
import io.hatchway.TestServer;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.hatchway.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The MQTT integration listener over TLS, with the certificate of the device TLS listener. */
class MqttIntegrationTlsTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static TestPki.CertificateAuthority serverCa;

    @BeforeAll
    static void start() throws Exception {
        serverCa = TestPki.root("Hatchway Test Server CA");
        serverCa.serverCertificate().writePem(dir.resolve("server.pem"), dir.resolve("server.key"));
        BindAddress any = new BindAddress("127.0.0.1", 0);
        server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(5), Optional.empty(),
                config -> config.withListeners(
                        Optional.of(new HatchwayConfig.Tls(any, dir.resolve("server.pem"), dir.resolve("server.key"),
                                HatchwayConfig.ClientAuth.NONE)),
                        Optional.empty(), Optional.empty(), Optional.empty())
                        .withIntegration(new HatchwayConfig.Integration(Optional.empty(), 100, 1 << 20,
                                Optional.of(any))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void backendOverTlsFollowsItsApplication() throws Exception {
        Mqtt5BlockingClient backend = MqttClient.builder().useMqttVersion5().identifier("tls-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(server.port("integrationTls"))
                .sslConfig().trustManagerFactory(serverCa.trustManagerFactory()).applySslConfig().buildBlocking();
        backend.connectWith().simpleAuth().username("backend@my-app").password(bytes("backend-key"))
                .applySimpleAuth().send();
        try (Mqtt5BlockingClient.Mqtt5Publishes events = backend.publishes(MqttGlobalPublishFilter.ALL)) {
            backend.subscribeWith().topicFilter("app/my-app/secure").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            device.publishWith().topic("secure").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"ok\":true}")).send();
            Mqtt5Publish event = events.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("device1", new ObjectMapper().readTree(event.getPayloadAsBytes()).get("device").asText());
            device.disconnect();
        }
        backend.disconnect();
    }
}
