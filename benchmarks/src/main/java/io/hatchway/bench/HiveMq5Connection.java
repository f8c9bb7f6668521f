package io.hatchway.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5ConnectBuilder;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** A device's MQTT 5 connection on the HiveMQ client. */
final class HiveMq5Connection implements LoadConnection {

    private final Mqtt5AsyncClient client;
    private final DeviceLogin device;
    private final String topic;
    private final MqttQos qos;
    private final HiveMqLifecycle lifecycle;

    HiveMq5Connection(Mqtt5AsyncClient client, DeviceLogin device, String topic, MqttQos qos,
                      HiveMqLifecycle lifecycle) {
        this.client = client;
        this.device = device;
        this.topic = topic;
        this.qos = qos;
        this.lifecycle = lifecycle;
    }

    @Override
    public CompletableFuture<Void> connect() {
        Mqtt5ConnectBuilder.Send<CompletableFuture<com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck>>
                connect = client.connectWith().cleanStart(true).keepAlive(60);
        if (device.username().isPresent()) {
            connect = connect.simpleAuth()
                    .username(device.username().get())
                    .password(device.password().orElse("").getBytes(StandardCharsets.UTF_8))
                    .applySimpleAuth();
        }
        return connect.send().handle((ack, error) -> {
            if (error != null) {
                throw HiveMqFailures.of(error);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> publish(byte[] payload) {
        return client.publishWith().topic(topic).qos(qos).payload(payload).send().handle((result, error) -> {
            Throwable failure = error != null ? error : result.getError().orElse(null);
            if (failure != null) {
                throw HiveMqFailures.of(failure);
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<LoadFailure> lost() {
        return lifecycle.lost();
    }

    @Override
    public CompletableFuture<Void> disconnect() {
        lifecycle.closing();
        return client.disconnect().handle((ok, error) -> null);
    }
}
