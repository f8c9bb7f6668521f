package io.hatchway.registry;

import io.hatchway.registry.AuthOutcome.Reason;
import io.hatchway.registry.AuthOutcome.Refused;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS pre-shared keys of the registry's devices, by PSK identity {@code device@application}: split at the last
 * {@code @}, the device part percent-decoded as UTF-8 and matched against device names and aliases, as in an MQTT
 * username (see {@link PasswordAuthenticator}).
 *
 * <p>Two steps, for the two moments of a PSK connection:
 * <ol>
 *     <li>{@link #find} during the TLS handshake, to choose the key;</li>
 *     <li>{@link #authenticate} at CONNECT, after the handshake proved the client holds the key, to turn the
 *     negotiated identity into an authenticated device, checked against the registry in force then.</li>
 * </ol>
 *
 * <p>Both read {@link Registry#current()} and only look up maps: they are synchronous, never block, and may be
 * called from a TLS key callback or a Netty event loop. Keys are never logged. Thread-safe.
 */
public final class PskKeys {

    private static final Logger LOG = LoggerFactory.getLogger(PskKeys.class);

    static final String UNKNOWN_IDENTITY_MESSAGE = "unknown PSK identity";
    static final String USERNAME_MISMATCH_MESSAGE = "username does not match the PSK identity";

    /** The key a device holds, with the device and its application. {@link #toString()} hides the key. */
    public record PskMatch(Application application, Device device, byte[] key) {
        public PskMatch {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(device, "device");
            key = key.clone();
        }

        /** A copy of the key. */
        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PskMatch other && application.equals(other.application)
                    && device.equals(other.device) && Arrays.equals(key, other.key);
        }

        @Override
        public int hashCode() {
            return Objects.hash(application, device, Arrays.hashCode(key));
        }

        @Override
        public String toString() {
            return "PskMatch[application=" + application.name() + ", device=" + device.name() + ", key=***]";
        }
    }

    private final Registry registry;
    private final Clock clock;

    /** @param clock tells whether a key is within its validity window */
    public PskKeys(Registry registry, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The key for a PSK identity: that of the first {@code psk} credential of the device that is valid now. Empty
     * when the identity is malformed, names no device, the device or its application is disabled, the device has no
     * key valid now, or the registry is unavailable; the caller must then fail the handshake.
     */
    public Optional<PskMatch> find(String identity) {
        Optional<PskMatch> match = enabledDevice(identity).flatMap(found -> {
            Instant now = clock.instant();
            return found.device().credentials().stream()
                    .filter(credential -> credential instanceof Credential.PreSharedKey psk && psk.validAt(now))
                    .findFirst()
                    .map(psk -> new PskMatch(found.application(), found.device(),
                            ((Credential.PreSharedKey) psk).key()));
        });
        if (match.isEmpty()) {
            LOG.debug("No pre-shared key for PSK identity {}", identity);
        }
        return match;
    }

    /**
     * Authenticates the device of a completed PSK handshake: {@code identity} is the PSK identity the handshake
     * negotiated, so the client holds that device's key; the key's validity window is not checked again. The device
     * and its application must still exist and be enabled. A non-empty {@code username} must name the same device
     * ({@code device@application} or a plain name or alias), as with client certificates.
     */
    public AuthOutcome authenticate(String identity, String username) {
        RegistrySnapshot snapshot;
        try {
            snapshot = registry.current();
        } catch (RuntimeException e) {
            LOG.debug("Registry unavailable for PSK authentication: {}", e.toString());
            return new Refused(Reason.UNAVAILABLE, "registry unavailable");
        }
        Optional<AuthOutcome.Authenticated> found = lookUp(snapshot, identity);
        if (found.isEmpty()) {
            return new Refused(Reason.BAD_CREDENTIALS, UNKNOWN_IDENTITY_MESSAGE);
        }
        if (username != null && !username.isEmpty() && !DeviceAddress.names(username, found.get().device())) {
            return new Refused(Reason.BAD_CREDENTIALS, USERNAME_MISMATCH_MESSAGE);
        }
        if (found.get().application().disabled()) {
            return new Refused(Reason.DISABLED, "application disabled");
        }
        if (found.get().device().disabled()) {
            return new Refused(Reason.DISABLED, "device disabled");
        }
        return found.get();
    }

    private Optional<AuthOutcome.Authenticated> enabledDevice(String identity) {
        RegistrySnapshot snapshot;
        try {
            snapshot = registry.current();
        } catch (RuntimeException e) {
            LOG.debug("Registry unavailable for a PSK look-up: {}", e.toString());
            return Optional.empty();
        }
        return lookUp(snapshot, identity)
                .filter(found -> !found.application().disabled() && !found.device().disabled());
    }

    /** The application and device an identity names, enabled or not. */
    private static Optional<AuthOutcome.Authenticated> lookUp(RegistrySnapshot snapshot, String identity) {
        if (identity == null) {
            return Optional.empty();
        }
        return DeviceAddress.parse(identity).flatMap(address -> snapshot.application(address.application())
                .flatMap(application -> snapshot.device(application.name(), address.device())
                        .map(device -> new AuthOutcome.Authenticated(application, device))));
    }
}
