package io.hatchway.integration;

import com.fasterxml.jackson.databind.ObjectMapper;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static io.hatchway.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A backend's Receive Maximum bounds the QoS 1 events in flight to it [MQTT-3.3.4-9]. */
class BackendFlowControlTest {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** Reads PUBLISHes until none comes for a second: their packet ids and their events' data. */
    private static void readPublishes(RawMqttClient backend, List<Integer> packetIds, List<String> data)
            throws Exception {
        for (byte[] packet = backend.readPacketWithin(1_000); packet != null;
             packet = backend.readPacketWithin(1_000)) {
            if ((packet[0] & 0xF0) != 0x30) {
                continue;
            }
            int at = 1;
            while ((packet[at++] & 0x80) != 0) {
                // remaining length
            }
            at += 2 + ((packet[at] & 0xFF) << 8 | packet[at + 1] & 0xFF);
            packetIds.add((packet[at] & 0xFF) << 8 | packet[at + 1] & 0xFF);
            at += 2;
            int properties = 0;
            for (int shift = 0; ; shift += 7) {
                byte b = packet[at++];
                properties |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            at += properties;
            data.add(JSON.readTree(new String(packet, at, packet.length - at, StandardCharsets.UTF_8))
                    .get("data").asText());
        }
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
            List<Integer> unacknowledged = new ArrayList<>();
            List<String> data = new ArrayList<>();
            try {
                readPublishes(backend, unacknowledged, data);
                assertEquals(2, unacknowledged.size(), "QoS 1 PUBLISHes sent without PUBACK; Receive Maximum was 2");
                // Acknowledging lets the held events through, two at a time, in order.
                for (int round = 0; round < 5 && data.size() < 5; round++) {
                    for (int packetId : unacknowledged) {
                        backend.send(new byte[] {0x40, 0x02, (byte) (packetId >> 8), (byte) packetId});
                    }
                    unacknowledged.clear();
                    readPublishes(backend, unacknowledged, data);
                    assertTrue(unacknowledged.size() <= 2, "in flight: " + unacknowledged);
                }
            } finally {
                device.disconnect();
            }
            assertEquals(List.of("0", "1", "2", "3", "4"), data, "every held event, in order");
        }
    }
}
