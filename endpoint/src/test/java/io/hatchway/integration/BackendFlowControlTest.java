package io.hatchway.integration;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hatchway.Clients;
import io.hatchway.RawMqttClient;
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

import static io.hatchway.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A backend's Receive Maximum bounds the QoS 1 events in flight to it [MQTT-3.3.4-9]. */
class BackendFlowControlTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(10), Optional.empty(),
                config -> config.withIntegration(new HatchwayConfig.Integration(
                        Optional.of(new BindAddress("127.0.0.1", 0)), 100)));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void qos1EventsInFlightStayWithinTheBackendsReceiveMaximum() throws Exception {
        try (RawMqttClient backend = new RawMqttClient(server.port("integration"))) {
            String login = "backend@my-app";
            byte[] password = bytes("backend-key");
            // CONNECT v5, clean start, keep-alive 60, properties: Receive Maximum (0x21) = 2
            byte[] variable = RawMqttClient.concat(RawMqttClient.string("MQTT"),
                    new byte[] {0x05, (byte) 0xC2, 0x00, 0x3C, 0x03, 0x21, 0x00, 0x02});
            byte[] payload = RawMqttClient.concat(RawMqttClient.string("rm-" + UUID.randomUUID()),
                    RawMqttClient.string(login), RawMqttClient.concat(new byte[] {0x00, (byte) password.length},
                            password));
            backend.send(RawMqttClient.packet(0x10, RawMqttClient.concat(variable, payload)));
            assertEquals(0x00, backend.readPacket()[3], "CONNACK");
            backend.send(RawMqttClient.packet(0x82, RawMqttClient.concat(new byte[] {0x00, 0x01, 0x00},
                    RawMqttClient.string("app/my-app/rm"), new byte[] {0x01})));
            assertEquals((byte) 0x90, backend.readPacket()[0], "SUBACK");

            Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
            for (int i = 0; i < 5; i++) {
                device.publishWith().topic("rm").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("" + i)).send();
            }
            int unacknowledged = 0;
            try {
                while (true) {
                    byte[] packet = backend.readPacketWithin(1_000);
                    if (packet == null) {
                        break;
                    }
                    if ((packet[0] & 0xF0) == 0x30) {
                        unacknowledged++;
                    }
                }
            } finally {
                device.disconnect();
            }
            assertEquals(2, unacknowledged, "QoS 1 PUBLISHes sent without PUBACK; Receive Maximum was 2");
        }
    }
}
