package io.hatchway.registry;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Checks a presented password or key against a stored {@link Secret}. Stateless. */
final class Secrets {

    private Secrets() {
    }

    /** Whether a plain secret matches the SHA-256 digest of what was presented, in constant time. */
    static boolean plainMatches(Secret.Plain plain, byte[] presentedDigest) {
        return MessageDigest.isEqual(sha256(plain.value().getBytes(StandardCharsets.UTF_8)), presentedDigest);
    }

    /**
     * Whether a bcrypt hash matches what was presented (passwords over 72 bytes truncated, as most bcrypt tools do).
     * Slow by design: never on an event loop. Throws on a malformed hash.
     */
    static boolean bcryptMatches(Secret.Bcrypt bcrypt, byte[] presented) {
        return BCrypt.verifyer(BCrypt.Version.VERSION_2A, LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2A))
                .verify(presented, bcrypt.hash().getBytes(StandardCharsets.US_ASCII)).verified;
    }

    static byte[] sha256(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
