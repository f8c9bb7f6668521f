package io.hatchway.mqtt;

import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.auth.AuthFailures;
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
 * @param authFailures  failed authentications, per address and identity
 * @param quotas        the applications' publish rate limits
 */
public record MqttServices(MqttSettings settings, Registry registry, ConnectAuthenticator authenticator,
                           SessionLifecycle lifecycle, EventMapper mapper, EventSink sink, EndpointMetrics metrics,
                           AuthFailures authFailures, PublishQuotas quotas) {
    public MqttServices {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(authenticator, "authenticator");
        Objects.requireNonNull(lifecycle, "lifecycle");
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(authFailures, "authFailures");
        Objects.requireNonNull(quotas, "quotas");
    }

    /** Services counting authentication failures as {@code settings.limits()} say, with new rate limit buckets. */
    public MqttServices(MqttSettings settings, Registry registry, ConnectAuthenticator authenticator,
                        SessionLifecycle lifecycle, EventMapper mapper, EventSink sink, EndpointMetrics metrics) {
        this(settings, registry, authenticator, lifecycle, mapper, sink, metrics,
                new AuthFailures(settings.limits().maxAuthFailuresPerAddress(),
                        settings.limits().maxAuthFailuresPerIdentity(), settings.limits().authFailureWindow()),
                new PublishQuotas());
    }
}
