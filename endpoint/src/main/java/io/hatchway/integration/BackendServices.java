package io.hatchway.integration;

import io.hatchway.auth.AuthFailures;
import io.hatchway.commands.CommandBus;
import io.hatchway.mqtt.MqttSettings;
import io.hatchway.registry.ApiKeyAuthenticator;

import java.util.Objects;

/**
 * What the integration listener's handlers share. All members are thread-safe.
 *
 * @param settings     protocol settings and limits (those of the device listeners)
 * @param keys         checks backends' API keys
 * @param authFailures failed authentications, per address and identity (shared with the device listeners)
 * @param hub          the events the sink accepted
 * @param commands     delivers commands to devices
 * @param maxQueued    events queued for one backend before it is disconnected (MQTT 5: 0x97)
 * @param maxQueuedBytes bytes of events (their JSON form) queued for one backend before it is disconnected
 * @param revocation   ends backend connections whose key no longer grants their application
 */
public record BackendServices(MqttSettings settings, ApiKeyAuthenticator keys, AuthFailures authFailures,
                              EventHub hub, CommandBus commands, int maxQueued, long maxQueuedBytes,
                              KeyRevocation revocation) {
    public BackendServices {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(authFailures, "authFailures");
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(commands, "commands");
        Objects.requireNonNull(revocation, "revocation");
    }
}
