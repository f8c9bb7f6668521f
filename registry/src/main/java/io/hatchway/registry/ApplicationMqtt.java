package io.hatchway.registry;

import java.time.Duration;
import java.util.Objects;

/**
 * An application's MQTT settings ({@code spec.mqtt}).
 *
 * @param dialect          how its devices' topics are read, unless a device sets its own
 * @param offlineThreshold a connected device silent for longer than this is not online (presence)
 * @param takeover         what a second connection with the same client identifier does
 */
public record ApplicationMqtt(Dialect dialect, Duration offlineThreshold, Takeover takeover) {

    /** {@code drogue/v1}, 120 seconds, {@link Takeover#REPLACE}: the settings when {@code spec.mqtt} is absent. */
    public static final ApplicationMqtt DEFAULTS =
            new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ofSeconds(120), Takeover.REPLACE);

    public ApplicationMqtt {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(offlineThreshold, "offlineThreshold");
        Objects.requireNonNull(takeover, "takeover");
        if (offlineThreshold.isNegative() || offlineThreshold.isZero()) {
            throw new IllegalArgumentException("offlineThreshold must be positive");
        }
    }
}
