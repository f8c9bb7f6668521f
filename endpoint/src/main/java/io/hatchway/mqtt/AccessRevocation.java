package io.hatchway.mqtt;

import io.hatchway.registry.Device;
import io.hatchway.registry.RegistrySnapshot;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

import java.util.function.Consumer;

/**
 * Applies a registry change to open connections: a device that was removed or disabled, or whose application was,
 * is disconnected at once (MQTT 5: DISCONNECT 0x87 Not authorized) instead of publishing until it reconnects.
 * Registered as a registry change listener; thread-safe.
 */
public final class AccessRevocation implements Consumer<RegistrySnapshot> {

    private final ConnectedDevices devices;

    public AccessRevocation(ConnectedDevices devices) {
        this.devices = devices;
    }

    @Override
    public void accept(RegistrySnapshot snapshot) {
        devices.forEach(session -> {
            Device device = session.device();
            boolean allowed = snapshot.application(device.application()).filter(a -> !a.disabled()).isPresent()
                    && snapshot.device(device.application(), device.name()).filter(d -> !d.disabled()).isPresent();
            if (!allowed) {
                // a revoked device's will is not its to send any more
                session.channel().eventLoop().execute(() -> session.will(null));
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.NOT_AUTHORIZED,
                        "the device or its application was removed or disabled");
            }
        });
    }
}
