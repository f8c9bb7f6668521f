package io.hatchway;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** HiveMQ MQTT clients connected to a {@link TestServer}. */
public final class Clients {

    private Clients() {
    }

    public static Mqtt5BlockingClient v5(TestServer server) {
        return v5(server, "c-" + UUID.randomUUID());
    }

    public static Mqtt5BlockingClient v5(TestServer server, String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(server.mqttPort()).buildBlocking();
    }

    public static Mqtt3BlockingClient v3(TestServer server) {
        return v3(server, "c-" + UUID.randomUUID());
    }

    public static Mqtt3BlockingClient v3(TestServer server, String clientId) {
        return MqttClient.builder().useMqttVersion3().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(server.mqttPort()).buildBlocking();
    }

    /** A v5 client connected as {@code username} with {@code password}. */
    public static Mqtt5BlockingClient connectedV5(TestServer server, String username, String password) {
        Mqtt5BlockingClient client = v5(server);
        client.connectWith().simpleAuth().username(username).password(bytes(password)).applySimpleAuth().send();
        return client;
    }

    /** A v3.1.1 client connected as {@code username} with {@code password}. */
    public static Mqtt3BlockingClient connectedV3(TestServer server, String username, String password) {
        Mqtt3BlockingClient client = v3(server);
        client.connectWith().simpleAuth().username(username).password(bytes(password)).applySimpleAuth().send();
        return client;
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
