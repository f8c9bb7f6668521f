package io.hatchway.mqtt;

import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.auth.ConnectAuthenticator;
import io.hatchway.registry.Registry;

import java.util.Objects;

/**
 * What the MQTT handlers share across connections. All members are thread-safe.
 *
 * @param settings      the listener's protocol settings
 * @param registry      applications and devices
 * @param authenticator checks CONNECT credentials (PSK identity, client certificate or password)
 * @param lifecycle     the beginning and end of established connections (registration, events, wills)
 * @param mapper        turns accepted publishes into CloudEvents
 * @param sink          where events go
 * @param metrics       meters
 */
public record MqttServices(MqttSettings settings, Registry registry, ConnectAuthenticator authenticator,
                           SessionLifecycle lifecycle, EventMapper mapper, EventSink sink, EndpointMetrics metrics) {
    public MqttServices {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(lifecycle, "lifecycle");
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(metrics, "metrics");
    }
}
