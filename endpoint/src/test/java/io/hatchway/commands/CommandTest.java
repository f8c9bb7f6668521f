package io.hatchway.commands;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3SubAckException;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.hatchway.Clients;
import io.hatchway.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.hatchway.Clients.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandTest {

    private static final String TOKEN = "s3cret";

    @TempDir
    static Path dir;
    static TestServer server;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir, TestServer.REGISTRY, Duration.ofSeconds(10), Optional.of(TOKEN));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> post(String app, String device, String command, String body, String contentType,
                                     String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort()
                        + "/api/command/v1alpha1/apps/" + app + "/devices/" + device
                        + (command == null ? "" : "?command=" + command)))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String app, String device, String command, String body) throws Exception {
        return post(app, device, command, body, null, TOKEN);
    }

    @Test
    void deviceSubscribedForItselfReceivesTheCommandWithItsContentType() throws Exception {
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        try (Mqtt5BlockingClient.Mqtt5Publishes publishes = device.publishes(
                com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            device.subscribeWith().topicFilter("command/inbox//#").qos(MqttQos.AT_LEAST_ONCE).send();
            HttpResponse<String> response = post("my-app", "device1", "set-temp", "{\"t\":22}", "application/json",
                    TOKEN);
            assertEquals(202, response.statusCode(), response.body());
            Mqtt5Publish command = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("command/inbox//set-temp", command.getTopic().toString());
            assertArrayEquals("{\"t\":22}".getBytes(StandardCharsets.UTF_8), command.getPayloadAsBytes());
            assertEquals("application/json", command.getContentType().orElseThrow().toString());
            assertEquals(MqttQos.AT_MOST_ONCE, command.getQos());
        } finally {
            device.disconnect();
        }
    }

    @Test
    void mqtt311DeviceReceivesCommandsViaWildcardSubscription() throws Exception {
        Mqtt3BlockingClient device = Clients.connectedV3(server, "lonely@my-app", "lonely-pass");
        try (var publishes = device.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            device.subscribeWith().topicFilter("command/inbox/#").send();
            assertEquals(202, post("my-app", "lonely", "reboot", "now").statusCode());
            var command = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("command/inbox//reboot", command.getTopic().toString());
            assertArrayEquals("now".getBytes(StandardCharsets.UTF_8), command.getPayloadAsBytes());
        } finally {
            device.disconnect();
        }
    }

    @Test
    void gatewayReceivesCommandsForTheDevicesItServes() throws Exception {
        Mqtt5BlockingClient gateway = Clients.connectedV5(server, "gateway01@my-app", "gw-pass");
        try (var publishes = gateway.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            gateway.subscribeWith().topicFilter("command/inbox/+/#").send();
            assertEquals(202, post("my-app", "sensor01", "calibrate", "x").statusCode());
            assertEquals("command/inbox/sensor01/calibrate",
                    publishes.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
            assertEquals(202, post("my-app", "gateway01", "self-test", "x").statusCode());
            assertEquals("command/inbox//self-test",
                    publishes.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
        } finally {
            gateway.disconnect();
        }
    }

    @Test
    void gatewaySubscribedForOneDeviceReceivesItsCommandsOnThatTopic() throws Exception {
        Mqtt5BlockingClient gateway = Clients.connectedV5(server, "gateway01@my-app", "gw-pass");
        try (var publishes = gateway.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            gateway.subscribeWith().topicFilter("command/inbox/sensor-alias/#").send();
            assertEquals(202, post("my-app", "sensor01", "calibrate", "x").statusCode());
            assertEquals("command/inbox/sensor-alias/calibrate",
                    publishes.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
            assertEquals(404, post("my-app", "gateway01", "self-test", "x").statusCode(),
                    "not subscribed for itself");
        } finally {
            gateway.disconnect();
        }
    }

    @Test
    void subscribingForADeviceThatDoesNotListTheConnectionIsNotAuthorized() {
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        Mqtt5SubAckException e = assertThrows(Mqtt5SubAckException.class, () ->
                device.subscribeWith().topicFilter("command/inbox/sensor01/#").send());
        assertEquals(Mqtt5SubAckReasonCode.NOT_AUTHORIZED, e.getMqttMessage().getReasonCodes().get(0));
        device.disconnect();

        Mqtt3BlockingClient v3 = Clients.connectedV3(server, "device1@my-app", "hey-rodney");
        Mqtt3SubAckException e3 = assertThrows(Mqtt3SubAckException.class, () ->
                v3.subscribeWith().topicFilter("command/inbox/sensor01/#").send());
        assertEquals(Mqtt3SubAckReturnCode.FAILURE, e3.getMqttMessage().getReturnCodes().get(0));
        assertTrue(v3.getState().isConnected());
        v3.disconnect();
    }

    @Test
    void otherFiltersAreRefusedAsTopicFilterInvalid() {
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        for (String filter : new String[] {"foo/#", "command/inbox/+/x", "#"}) {
            Mqtt5SubAckException e = assertThrows(Mqtt5SubAckException.class, () ->
                    device.subscribeWith().topicFilter(filter).send(), filter);
            assertEquals(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID, e.getMqttMessage().getReasonCodes().get(0));
        }
        assertTrue(device.getState().isConnected());
        device.disconnect();
    }

    @Test
    void unsubscribedDeviceNoLongerReceivesCommands() throws Exception {
        Mqtt5BlockingClient device = Clients.connectedV5(server, "device1@my-app", "hey-rodney");
        device.subscribeWith().topicFilter("command/inbox//#").send();
        assertEquals(202, post("my-app", "device1", "a", "x").statusCode());
        device.unsubscribeWith().topicFilter("command/inbox//#").send();
        HttpResponse<String> response = post("my-app", "device1", "a", "x");
        assertEquals(404, response.statusCode());
        assertTrue(response.body().contains("not connected, not subscribed"), response.body());
        device.disconnect();
    }

    @Test
    void unknownApplicationOrDeviceIsNotFoundWithAMessage() throws Exception {
        HttpResponse<String> app = post("nope", "device1", "a", "x");
        assertEquals(404, app.statusCode());
        assertTrue(app.body().contains("unknown application"), app.body());
        HttpResponse<String> device = post("my-app", "nobody", "a", "x");
        assertEquals(404, device.statusCode());
        assertTrue(device.body().contains("unknown device"), device.body());
        assertEquals("application/json", device.headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void commandApiRequiresTheTokenWhenOneIsSet() throws Exception {
        assertEquals(401, post("my-app", "device1", "a", "x", null, null).statusCode());
        assertEquals(401, post("my-app", "device1", "a", "x", null, "wrong").statusCode());
        assertEquals(404, post("my-app", "device1", "a", "x", null, TOKEN).statusCode(), "authorized, not subscribed");
    }

    @Test
    void missingOrMultiLevelCommandNameIsABadRequest() throws Exception {
        assertEquals(400, post("my-app", "device1", null, "x").statusCode());
        assertEquals(400, post("my-app", "device1", "a%2Fb", "x").statusCode());
    }

    @Test
    void healthAndMetricsAnswer() throws Exception {
        String base = "http://127.0.0.1:" + server.httpPort();
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode());
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
        Clients.connectedV5(server, "device1@my-app", "hey-rodney").disconnect();
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        for (String name : new String[] {"hatchway_connections_open", "hatchway_connects_total{outcome=\"accepted\"}",
                "hatchway_publishes_total", "hatchway_commands_total", "hatchway_sink_send_seconds"}) {
            assertTrue(metrics.body().contains(name), name + " missing from\n" + metrics.body());
        }
        assertFalse(metrics.body().contains("hatchway_connects_total{outcome=\"accepted\"} 0.0"));
    }

    @Test
    void malformedPercentEscapesAreABadRequestNotAHang() throws Exception {
        // java.net.http refuses to send such URIs, so write the requests by hand
        for (String target : new String[] {"/api/command/v1alpha1/apps/my-app/devices/device1?command=%zz",
                "/api/command/v1alpha1/apps/my-app/devices/dev%zzice?command=a"}) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.httpPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("POST " + target + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + TOKEN + "\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx")
                        .getBytes(StandardCharsets.US_ASCII));
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(response.startsWith("HTTP/1.1 400"), response);
                assertTrue(response.contains("\"message\""), response);
            }
        }
    }

    @Test
    void percentEncodedDeviceNamesInThePathAreDecodedOnce() throws Exception {
        Mqtt5BlockingClient device = Clients.connectedV5(server, "dev%40ice@my-app", "at-sign");
        try {
            device.subscribeWith().topicFilter("command/inbox//#").send();
            assertEquals(202, post("my-app", "dev%40ice", "ping", "x").statusCode());
        } finally {
            device.disconnect();
        }
    }

    @Test
    void commandLargerThanTheClientsMaximumPacketSizeIsNotSent() throws Exception {
        Mqtt5BlockingClient device = Clients.v5(server);
        device.connectWith().restrictions().maximumPacketSize(200).applyRestrictions().simpleAuth()
                .username("device1@my-app").password(bytes("hey-rodney")).applySimpleAuth().send();
        try (var publishes = device.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            device.subscribeWith().topicFilter("command/inbox//#").send();
            assertEquals(404, post("my-app", "device1", "big", "x".repeat(500)).statusCode());
            assertEquals(202, post("my-app", "device1", "small", "y").statusCode());
            Mqtt5Publish received = publishes.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertEquals("command/inbox//small", received.getTopic().toString());
            assertTrue(device.getState().isConnected());
        } finally {
            device.disconnect();
        }
    }
}
