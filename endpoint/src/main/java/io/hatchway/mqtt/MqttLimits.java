package io.hatchway.mqtt;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits that protect the endpoint from clients that ask for too much or guess credentials. Immutable.
 *
 * @param maxKeepAlive           the longest keep-alive a client gets: a larger one, or 0 (off), is replaced by this
 *                               (MQTT 5: told in the CONNACK's Server Keep Alive), so a silent connection is always
 *                               closed after 1.5 times this at the latest
 * @param maxConnections         connected devices on all MQTT listeners together; beyond it a CONNECT is refused
 *                               (3.1.1 {@code 0x03}, MQTT 5 {@code 0x89} Server busy)
 * @param maxTopicLength         the longest PUBLISH topic and SUBSCRIBE filter, in UTF-8 bytes
 * @param maxTopicLevels         the most levels ({@code /}-separated parts) of a topic or filter
 * @param authFailureDelay       a CONNECT refused for bad credentials is answered no earlier than this after it
 *                               arrived, whatever the reason (unknown device, wrong password, bcrypt or plain), so
 *                               the answer's timing does not tell which
 * @param maxAuthFailuresPerAddress failed authentications allowed from one IP address within
 *                               {@code authFailureWindow}; beyond, CONNECTs from it are refused unchecked
 * @param maxAuthFailuresPerIdentity failed authentications allowed for one user name (or client id) within
 *                               {@code authFailureWindow}; beyond, CONNECTs naming it are refused unchecked
 * @param authFailureWindow      how long a failure counts: an address or identity is let in again this long after
 *                               its last failure
 */
public record MqttLimits(Duration maxKeepAlive, int maxConnections, int maxTopicLength, int maxTopicLevels,
                         Duration authFailureDelay, int maxAuthFailuresPerAddress, int maxAuthFailuresPerIdentity,
                         Duration authFailureWindow) {

    /** The limits when the configuration sets none. */
    public static final MqttLimits DEFAULTS = new MqttLimits(Duration.ofHours(1), 100_000, 1_024, 32,
            Duration.ofSeconds(1), 100, 10, Duration.ofMinutes(1));

    /** MQTT's Keep Alive is a two-byte number of seconds. */
    public static final int KEEP_ALIVE_LIMIT_SECONDS = 65_535;

    public MqttLimits {
        Objects.requireNonNull(maxKeepAlive, "maxKeepAlive");
        Objects.requireNonNull(authFailureDelay, "authFailureDelay");
        Objects.requireNonNull(authFailureWindow, "authFailureWindow");
        if (maxKeepAlive.toSeconds() < 1 || maxKeepAlive.toSeconds() > KEEP_ALIVE_LIMIT_SECONDS) {
            throw new IllegalArgumentException("maxKeepAlive must be 1 s .. 65535 s");
        }
        if (maxConnections < 1 || maxTopicLength < 1 || maxTopicLevels < 1 || maxAuthFailuresPerAddress < 1
                || maxAuthFailuresPerIdentity < 1 || authFailureDelay.isNegative() || authFailureWindow.isZero() || authFailureWindow.isNegative()) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** The keep-alive, in seconds, a client asking for {@code requested} seconds (0: off) gets. */
    public int keepAlive(int requested) {
        int max = (int) maxKeepAlive.toSeconds();
        return requested == 0 || requested > max ? max : requested;
    }
}
