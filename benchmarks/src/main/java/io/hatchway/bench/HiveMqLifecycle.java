package io.hatchway.bench;

import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedListener;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedListener;

import java.util.concurrent.CompletableFuture;

/**
 * Tells a connection lost after it was accepted from one closed on purpose or never accepted, for one HiveMQ
 * client.
 */
final class HiveMqLifecycle implements MqttClientConnectedListener, MqttClientDisconnectedListener {

    private final CompletableFuture<LoadFailure> lost = new CompletableFuture<>();
    private volatile boolean connected;
    private volatile boolean closing;

    @Override
    public void onConnected(MqttClientConnectedContext context) {
        connected = true;
    }

    @Override
    public void onDisconnected(MqttClientDisconnectedContext context) {
        if (connected && !closing) {
            lost.complete(HiveMqFailures.of(context.getCause()));
        }
        connected = false;
    }

    /** Called before a deliberate disconnect. */
    void closing() {
        closing = true;
    }

    CompletableFuture<LoadFailure> lost() {
        return lost;
    }
}
