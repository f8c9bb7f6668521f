package io.hatchway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

/**
 * Counts failed authentications per source address and per identity (the user name, or the client id when there
 * is none), so that guessing is throttled: once either has {@code max} failures, further CONNECTs from that address
 * or naming that identity are refused without looking at their credentials, until {@code window} has passed since
 * the last counted failure. Unknown identities count like known ones, so being throttled tells nothing about which
 * devices exist. A success clears the identity's count (not the address's: many devices may share one address).
 *
 * <p>Guessing an identity's secret must not lock its owner out: a throttled identity is still let through to the
 * full check with the secret it last succeeded with (remembered as a SHA-256 digest), or when the TLS handshake
 * proved a key (a client certificate or a PSK: nothing to guess through CONNECTs). A guesser gets nothing from this
 * unless it presents the right secret. Memory is bounded. Thread-safe.
 */
public final class AuthFailures {

    private static final long MAX_TRACKED = 100_000;
    private static final Duration REMEMBER_SUCCESS = Duration.ofDays(1);

    private final Cache<InetAddress, Integer> byAddress;
    private final Cache<String, Integer> byIdentity;
    private final Cache<String, byte[]> lastSuccess;
    private final int maxPerAddress;
    private final int maxPerIdentity;

    public AuthFailures(int maxPerAddress, int maxPerIdentity, Duration window) {
        this.byAddress = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_TRACKED).build();
        this.byIdentity = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_TRACKED).build();
        this.lastSuccess = Caffeine.newBuilder().expireAfterAccess(REMEMBER_SUCCESS).maximumSize(MAX_TRACKED).build();
        this.maxPerAddress = maxPerAddress;
        this.maxPerIdentity = maxPerIdentity;
    }

    /**
     * Whether a CONNECT from {@code address} naming {@code identity} (may be null) is refused unchecked.
     *
     * @param secret      the password or key presented (may be null)
     * @param provenByTls whether the TLS handshake proved a client certificate's key or a PSK
     */
    public boolean throttled(InetAddress address, String identity, byte[] secret, boolean provenByTls) {
        Integer fromAddress = address == null ? null : byAddress.getIfPresent(address);
        if (fromAddress != null && fromAddress >= maxPerAddress) {
            return true;
        }
        Integer forIdentity = identity == null ? null : byIdentity.getIfPresent(identity);
        if (forIdentity == null || forIdentity < maxPerIdentity || provenByTls) {
            return false;
        }
        byte[] known = lastSuccess.getIfPresent(identity);
        return known == null || secret == null || !MessageDigest.isEqual(known, sha256(secret));
    }

    /** Counts a failed authentication. */
    public void failed(InetAddress address, String identity) {
        if (address != null) {
            byAddress.asMap().merge(address, 1, Integer::sum);
        }
        if (identity != null) {
            byIdentity.asMap().merge(identity, 1, Integer::sum);
        }
    }

    /**
     * Notes that {@code identity} just authenticated with {@code secret} (may be null): its failures are cleared,
     * unless it is throttled (it got in past the throttle: the guesser's count stands until its window passes).
     */
    public void succeeded(String identity, byte[] secret) {
        if (identity != null) {
            Integer failures = byIdentity.getIfPresent(identity);
            if (failures != null && failures < maxPerIdentity) {
                byIdentity.invalidate(identity);
            }
            if (secret != null) {
                lastSuccess.put(identity, sha256(secret));
            }
        }
    }

    private static byte[] sha256(byte[] secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
