package io.hatchway.registry;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/** One way a device may authenticate. */
public sealed interface Credential {

    /** {@code pass}: a password for the device itself. */
    record Password(Secret secret) implements Credential {
        public Password {
            Objects.requireNonNull(secret, "secret");
        }
    }

    /**
     * {@code user}: a username and password. A {@code unique} username identifies the device within its application
     * on its own ({@code username@app}); a non-unique one is only checked together with the device name.
     */
    record User(String username, Secret secret, boolean unique) implements Credential {
        public User {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(secret, "secret");
        }
    }

    /** {@code psk}: a TLS pre-shared key, valid within an optional window (either bound may be null). */
    record PreSharedKey(byte[] key, Instant notBefore, Instant notAfter) implements Credential {
        public PreSharedKey {
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        public boolean validAt(Instant now) {
            return (notBefore == null || !now.isBefore(notBefore)) && (notAfter == null || !now.isAfter(notAfter));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PreSharedKey other && Arrays.equals(key, other.key)
                    && Objects.equals(notBefore, other.notBefore) && Objects.equals(notAfter, other.notAfter);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(key), notBefore, notAfter);
        }

        @Override
        public String toString() {
            return "PreSharedKey[" + "***, notBefore=" + notBefore
                    + ", notAfter=" + notAfter + "]";
        }
    }
}
