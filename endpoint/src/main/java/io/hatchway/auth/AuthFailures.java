package io.hatchway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.net.InetAddress;
import java.time.Duration;

/**
 * Counts failed authentications per source address and per identity (the user name, or the client id when there
 * is none), so that guessing is throttled: once either has {@code max} failures, further CONNECTs from that address
 * or naming that identity are refused without looking at their credentials, until {@code window} has passed since
 * the last counted failure. Unknown identities count like known ones, so being throttled tells nothing about which
 * devices exist. A success clears the identity's count (not the address's: many devices may share one address).
 * Memory is bounded. Thread-safe.
 */
public final class AuthFailures {

    private static final long MAX_TRACKED = 100_000;

    private final Cache<InetAddress, Integer> byAddress;
    private final Cache<String, Integer> byIdentity;
    private final int maxPerAddress;
    private final int maxPerIdentity;

    public AuthFailures(int maxPerAddress, int maxPerIdentity, Duration window) {
        this.byAddress = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_TRACKED).build();
        this.byIdentity = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_TRACKED).build();
        this.maxPerAddress = maxPerAddress;
        this.maxPerIdentity = maxPerIdentity;
    }

    /** Whether CONNECTs from {@code address} or naming {@code identity} (may be null) are refused unchecked. */
    public boolean throttled(InetAddress address, String identity) {
        Integer fromAddress = address == null ? null : byAddress.getIfPresent(address);
        Integer forIdentity = identity == null ? null : byIdentity.getIfPresent(identity);
        return fromAddress != null && fromAddress >= maxPerAddress
                || forIdentity != null && forIdentity >= maxPerIdentity;
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

    /** Clears the failures counted for {@code identity}: it just authenticated. */
    public void succeeded(String identity) {
        if (identity != null) {
            byIdentity.invalidate(identity);
        }
    }
}
