package io.hatchway.registry;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An application's MQTT settings ({@code spec.mqtt}).
 *
 * @param dialect          how its devices' topics are read, unless a device sets its own
 * @param offlineThreshold a connected device silent for longer than this is not online (presence)
 * @param takeover         what a second connection with the same client identifier does
 * @param maxConnections   how many of its devices may be connected at once ({@code spec.mqtt.maxConnections})
 * @param maxPayloadSize   the largest PUBLISH payload its devices may send, in bytes
 *                         ({@code spec.mqtt.maxPayloadSize})
 * @param rateLimit        how fast its devices together may publish ({@code spec.mqtt.rateLimit}), if limited
 */
public record ApplicationMqtt(Dialect dialect, Duration offlineThreshold, Takeover takeover, int maxConnections,
                              int maxPayloadSize, Optional<RateLimit> rateLimit) {

    /** {@code drogue/v1}, 120 seconds, {@link Takeover#REPLACE}, no quotas: the settings when {@code spec.mqtt} is absent. */
    public static final ApplicationMqtt DEFAULTS =
            new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ofSeconds(120), Takeover.REPLACE);

    public ApplicationMqtt {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(offlineThreshold, "offlineThreshold");
        Objects.requireNonNull(takeover, "takeover");
        Objects.requireNonNull(rateLimit, "rateLimit");
        if (offlineThreshold.isNegative() || offlineThreshold.isZero()) {
            throw new IllegalArgumentException("offlineThreshold must be positive");
        }
        if (maxConnections < 1 || maxPayloadSize < 1) {
            throw new IllegalArgumentException("maxConnections and maxPayloadSize must be positive");
        }
    }

    /** Settings without quotas. */
    public ApplicationMqtt(Dialect dialect, Duration offlineThreshold, Takeover takeover) {
        this(dialect, offlineThreshold, takeover, Integer.MAX_VALUE, Integer.MAX_VALUE, Optional.empty());
    }

    /**
     * How fast an application's devices together may publish: a token bucket per application, refilled at these
     * rates and holding at most one second's worth.
     *
     * @param messagesPerSecond PUBLISH packets per second
     * @param bytesPerSecond    payload bytes per second
     */
    public record RateLimit(long messagesPerSecond, long bytesPerSecond) {
        public RateLimit {
            if (messagesPerSecond < 1 || bytesPerSecond < 1) {
                throw new IllegalArgumentException("rates must be positive");
            }
        }
    }
}
