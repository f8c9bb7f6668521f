package io.hatchway.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.connect.Mqtt3ConnectBuilder;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** A device's MQTT 3.1.1 connection on the HiveMQ client. */
final class HiveMq3Connection implements LoadConnection {

    private final Mqtt3AsyncClient client;
    private final DeviceLogin device;
    private final String topic;
    private final MqttQos qos;
    private final HiveMqLifecycle lifecycle;

    HiveMq3Connection(Mqtt3AsyncClient client, DeviceLogin device, String topic, MqttQos qos,
                      HiveMqLifecycle lifecycle) {
        this.client = client;
        this.device = device;
        this.topic = topic;
        this.qos = qos;
        this.lifecycle = lifecycle;
    }

    @Override
    public CompletableFuture<Void> connect() {
        Mqtt3ConnectBuilder.Send<CompletableFuture<Mqtt3ConnAck>> connect =
                client.connectWith().cleanSession(true).keepAlive(60);
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
        return client.publishWith().topic(topic).qos(qos).payload(payload).send().handle((publish, error) -> {
            if (error != null) {
                throw HiveMqFailures.of(error);
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
