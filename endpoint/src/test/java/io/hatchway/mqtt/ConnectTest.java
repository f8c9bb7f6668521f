package io.hatchway.mqtt;

import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.hatchway.Clients;
import io.hatchway.RawMqttClient;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(2), Optional.empty());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Mqtt5ConnAckReasonCode refusalV5(String username, String password) {
        Mqtt5BlockingClient client = Clients.v5(server);
        Mqtt5ConnAckException e = assertThrows(Mqtt5ConnAckException.class, () ->
                client.connectWith().simpleAuth().username(username).password(bytes(password)).applySimpleAuth()
                        .send());
        return e.getMqttMessage().getReasonCode();
    }

    private static Mqtt3ConnAckReturnCode refusalV3(String username, String password) {
        Mqtt3BlockingClient client = Clients.v3(server);
        Mqtt3ConnAckException e = assertThrows(Mqtt3ConnAckException.class, () ->
                client.connectWith().simpleAuth().username(username).password(bytes(password)).applySimpleAuth()
                        .send());
        return e.getMqttMessage().getReturnCode();
    }

    @Test
    void devicePasswordConnectsOverMqtt311And5() {
        Mqtt3BlockingClient v3 = Clients.connectedV3(server, "device1@my-app", "hey-rodney");
        assertTrue(v3.getState().isConnected());
        v3.disconnect();
        Mqtt5BlockingClient v5 = Clients.v5(server);
        Mqtt5ConnAck ack = v5.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney"))
                .applySimpleAuth().send();
        assertEquals(Mqtt5ConnAckReasonCode.SUCCESS, ack.getReasonCode());
        assertEquals(32, ack.getRestrictions().getReceiveMaximum());
        assertEquals(262_144, ack.getRestrictions().getMaximumPacketSize());
        v5.disconnect();
    }

    @Test
    void wrongPasswordIsRefusedAsBadUsernameOrPassword() {
        assertEquals(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD, refusalV3("device1@my-app", "wrong"));
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, refusalV5("device1@my-app", "wrong"));
    }

    @Test
    void unknownDeviceOrApplicationIsRefusedAsBadUsernameOrPassword() {
        assertEquals(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD, refusalV3("nobody@my-app", "x"));
        assertEquals(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD, refusalV5("device1@no-app", "hey-rodney"));
    }

    @Test
    void disabledDeviceOrApplicationIsRefusedAsNotAuthorized() {
        assertEquals(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, refusalV3("switched-off@my-app", "off-pass"));
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, refusalV5("switched-off@my-app", "off-pass"));
        assertEquals(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED, refusalV5("device9@off-app", "nine"));
    }

    @Test
    void aliasAndPercentEncodedDeviceNamesAuthenticate() {
        Clients.connectedV5(server, "serial-1234@my-app", "hey-rodney").disconnect();
        Clients.connectedV5(server, "dev%40ice@my-app", "at-sign").disconnect();
    }

    @Test
    void uniqueUsernameAuthenticatesItsDevice() {
        Clients.connectedV3(server, "gw-user@my-app", "gw-secret").disconnect();
    }

    @Test
    void usernameWithClientIdDeviceAtAppAuthenticates() {
        Mqtt5BlockingClient client = Clients.v5(server, "gateway01@my-app");
        client.connectWith().simpleAuth().username("gw-user").password(bytes("gw-secret")).applySimpleAuth().send();
        client.disconnect();
        Mqtt3BlockingClient byName = Clients.v3(server, "gateway01@my-app");
        byName.connectWith().simpleAuth().username("gateway01").password(bytes("gw-pass")).applySimpleAuth().send();
        byName.disconnect();
    }

    @Test
    void cleanSessionFalseIsRefusedWithAReason() {
        Mqtt3BlockingClient v3 = Clients.v3(server);
        Mqtt3ConnAckException e3 = assertThrows(Mqtt3ConnAckException.class, () -> v3.connectWith()
                .cleanSession(false).simpleAuth().username("device1@my-app").password(bytes("hey-rodney"))
                .applySimpleAuth().send());
        assertEquals(Mqtt3ConnAckReturnCode.IDENTIFIER_REJECTED, e3.getMqttMessage().getReturnCode());

        Mqtt5BlockingClient v5 = Clients.v5(server);
        Mqtt5ConnAckException e5 = assertThrows(Mqtt5ConnAckException.class, () -> v5.connectWith()
                .cleanStart(false).simpleAuth().username("device1@my-app").password(bytes("hey-rodney"))
                .applySimpleAuth().send());
        assertEquals(Mqtt5ConnAckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, e5.getMqttMessage().getReasonCode());
        assertTrue(e5.getMqttMessage().getReasonString().orElseThrow().toString().contains("clean"));
    }

    @Test
    void secondMqtt311ConnectionOfADeviceClosesTheFirst() {
        Mqtt3BlockingClient first = Clients.connectedV3(server, "lonely@my-app", "lonely-pass");
        Mqtt3BlockingClient second = Clients.connectedV3(server, "lonely@my-app", "lonely-pass");
        await().atMost(Duration.ofSeconds(10)).until(() -> first.getState() == MqttClientState.DISCONNECTED);
        assertTrue(second.getState().isConnected());
        second.disconnect();
    }

    @Test
    void takenOverConnectionReceivesDisconnectSessionTakenOver() throws Exception {
        CompletableFuture<Throwable> cause = new CompletableFuture<>();
        Mqtt5BlockingClient first = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5()
                .identifier("first").serverHost("127.0.0.1").serverPort(server.mqttPort())
                .addDisconnectedListener(ctx -> cause.complete(ctx.getCause())).buildBlocking();
        first.connectWith().simpleAuth().username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth()
                .send();
        Mqtt5BlockingClient second = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        Throwable why = cause.get(10, TimeUnit.SECONDS);
        assertTrue(why instanceof Mqtt5DisconnectException, "got " + why);
        assertEquals(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER,
                ((Mqtt5DisconnectException) why).getMqttMessage().getReasonCode());
        second.disconnect();
    }

    @Test
    void mqtt31ClientConnectsWithMQIsdp() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQIsdp", 3, "legacy", "device1@my-app", "hey-rodney", 30));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x00}, raw.readPacket());
            raw.send(new byte[] {(byte) 0xC0, 0x00}); // PINGREQ
            assertArrayEquals(new byte[] {(byte) 0xD0, 0x00}, raw.readPacket());
        }
    }

    @Test
    void unsupportedProtocolLevelsAreRefusedInTheClientsFormat() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 2, "old", null, null, 30));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x01}, raw.readPacket());
            assertTrue(raw.closedWithin(5000));
        }
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 6, "new", null, null, 30));
            assertArrayEquals(new byte[] {0x20, 0x03, 0x00, (byte) 0x84, 0x00}, raw.readPacket());
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void unknownProtocolNameIsClosedWithoutAnswer() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("hj", 4, "x", null, null, 30));
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void connectionWithoutConnectIsClosedAfterTheConnectTimeout() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            assertTrue(raw.closedWithin(10_000));
        }
    }

    @Test
    void firstPacketOtherThanConnectCloses() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(new byte[] {(byte) 0xC0, 0x00});
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void secondConnectCloses() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            byte[] connect = RawMqttClient.connect("MQTT", 4, "twice", "device1@my-app", "hey-rodney", 30);
            raw.send(connect);
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x00}, raw.readPacket());
            raw.send(connect);
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void silenceLongerThanOneAndAHalfKeepAlivesEndsTheConnectionWithKeepAliveTimeout() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 5, "sleepy", "device1@my-app", "hey-rodney", 1));
            byte[] connack = raw.readPacket();
            assertEquals(0x20, connack[0]);
            assertEquals(0x00, connack[3]);
            byte[] disconnect = raw.readPacket();
            assertEquals((byte) 0xE0, disconnect[0]);
            assertEquals((byte) 0x8D, disconnect[2]);
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void pingsKeepTheConnectionAlive() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 4, "awake", "device1@my-app", "hey-rodney", 2)); // closed after 3 s silent
            raw.readPacket();
            for (int i = 0; i < 6; i++) { // 4.2 s in all: past the keep-alive limit, were it not for the pings
                assertFalse(raw.closedWithin(700), "closed although pinging");
                raw.send(new byte[] {(byte) 0xC0, 0x00});
                assertArrayEquals(new byte[] {(byte) 0xD0, 0x00}, raw.readPacket());
            }
        }
    }

    @Test
    void malformedPacketAfterConnectGetsDisconnectMalformedPacket() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 5, "broken", "device1@my-app", "hey-rodney", 30));
            raw.readPacket();
            // PUBLISH QoS 1 with packet id 0, which is invalid [MQTT-2.2.1-3]
            raw.send(new byte[] {0x32, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 0x00});
            byte[] disconnect = raw.readPacket();
            assertEquals((byte) 0xE0, disconnect[0]);
            assertEquals((byte) 0x81, disconnect[2]);
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void malformedUtf8InTopicCloses() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 4, "utf", "device1@my-app", "hey-rodney", 30));
            raw.readPacket();
            // topic "a" + overlong encoding of '/' (0xC0 0xAF)
            raw.send(new byte[] {0x30, 0x06, 0x00, 0x03, 'a', (byte) 0xC0, (byte) 0xAF, 'x'});
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void packetAboveTheMaximumPacketSizeGetsDisconnectPacketTooLarge() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 5, "big", "device1@my-app", "hey-rodney", 30));
            raw.readPacket();
            // Declares a PUBLISH of 300,000 bytes but sends only its start: the size alone must be refused.
            int length = 300_000;
            raw.send(new byte[] {0x30, (byte) (0x80 | (length & 0x7F)), (byte) (0x80 | ((length >> 7) & 0x7F)),
                    (byte) (length >> 14), 0x00, 0x01, 't', 0x00});
            byte[] disconnect = raw.readPacket();
            assertEquals((byte) 0xE0, disconnect[0]);
            assertEquals((byte) 0x95, disconnect[2]);
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void mqtt31ClientIdLongerThan23CharactersIsRejected() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQIsdp", 3, "a-client-id-of-thirty-characters", "device1@my-app",
                    "hey-rodney", 30));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x02}, raw.readPacket());
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void mqttNameWithTheLevelOfMqtt31IsAnUnacceptableProtocolVersion() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.mqttPort())) {
            raw.send(RawMqttClient.connect("MQTT", 3, "mixed", null, null, 30));
            assertArrayEquals(new byte[] {0x20, 0x02, 0x00, 0x01}, raw.readPacket());
            assertTrue(raw.closedWithin(5000));
        }
    }

    @Test
    void requestedSessionExpiryIsAnsweredWithZeroBecauseNoSessionIsKept() {
        Mqtt5BlockingClient client = Clients.v5(server);
        Mqtt5ConnAck ack = client.connectWith().sessionExpiryInterval(3600).simpleAuth().username("device1@my-app")
                .password(bytes("hey-rodney")).applySimpleAuth().send();
        assertEquals(0, ack.getSessionExpiryInterval().orElseThrow());
        client.disconnect();
    }
}
