package io.hatchway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.channel.Channel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * <p>Guessing an identity's secret from elsewhere must not lock its owner out. A throttled identity is still let
 * through to the full check when the CONNECT comes from the address it last authenticated from (by password or
 * API key), with the same secret (compared as a SHA-256 digest). From that address a different secret is refused
 * and counted, against the address and against this exemption, which closes after {@code maxPerIdentity} such
 * failures within the window: a guesser elsewhere gets nothing from it, and one sharing the owner's address gets
 * no more guesses than the identity's own limit. When the TLS handshake proved a key (a client certificate, whose
 * trust is checked afterwards, or a PSK), the password is not what authenticates, so there is nothing to guess and
 * the identity's count does not apply. Memory is bounded. Thread-safe.
 */
public final class AuthFailures {

    private static final long MAX_TRACKED = 100_000;
    private static final Duration REMEMBER_SUCCESS = Duration.ofDays(1);

    /** Where and with what an identity last authenticated. */
    private record Success(InetAddress address, byte[] digest) {
    }

    private final Cache<InetAddress, Integer> byAddress;
    private final Cache<String, Integer> byIdentity;
    private final Cache<String, Success> lastSuccess;
    private final Cache<String, Integer> exemptionFailures;
    private final int maxPerAddress;
    private final int maxPerIdentity;

    public AuthFailures(int maxPerAddress, int maxPerIdentity, Duration window) {
        this.byAddress = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_TRACKED).build();
        this.byIdentity = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_TRACKED).build();
        this.lastSuccess = Caffeine.newBuilder().expireAfterAccess(REMEMBER_SUCCESS).maximumSize(MAX_TRACKED).build();
        this.exemptionFailures = Caffeine.newBuilder().expireAfterWrite(window).maximumSize(MAX_TRACKED).build();
        this.maxPerAddress = maxPerAddress;
        this.maxPerIdentity = maxPerIdentity;
    }

    /**
     * Whether a CONNECT from {@code address} naming {@code identity} (may be null) is refused unchecked. A refused
     * attempt at the exemption (the owner's address, another secret) is counted here.
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
        Success known = lastSuccess.getIfPresent(identity);
        if (known == null || address == null || !address.equals(known.address())) {
            return true;
        }
        Integer spent = exemptionFailures.getIfPresent(identity);
        if (spent != null && spent >= maxPerIdentity) {
            return true;
        }
        if (secret != null && MessageDigest.isEqual(known.digest(), sha256(secret))) {
            return false;
        }
        exemptionFailures.asMap().merge(identity, 1, Integer::sum);
        byAddress.asMap().merge(address, 1, Integer::sum);
        return true;
    }

    /** The address failures of a connection on {@code channel} count against (null when it has none). */
    public static InetAddress addressOf(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress socket ? socket.getAddress() : null;
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
     * Notes that {@code identity} just authenticated from {@code address} with the password or API key
     * {@code secret} (call it only when that secret is what authenticated): its failures are cleared, unless it is
     * throttled (it got in through the exemption: the guesser's count stands until its window passes).
     */
    public void succeeded(String identity, InetAddress address, byte[] secret) {
        if (identity == null) {
            return;
        }
        Integer failures = byIdentity.getIfPresent(identity);
        if (failures != null && failures < maxPerIdentity) {
            byIdentity.invalidate(identity);
        }
        if (address != null && secret != null) {
            lastSuccess.put(identity, new Success(address, sha256(secret)));
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
