package io.hatchway.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.hatchway.registry.AuthOutcome.Reason;
import io.hatchway.registry.AuthOutcome.Refused;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates an MQTT CONNECT's username, password and client ID against the registry, with Drogue Cloud's rules
 * (the first that applies decides):
 * <ol>
 *     <li>username {@code device@application} (split at the last {@code @}, the device part percent-decoded as
 *     UTF-8): the device named or aliased so authenticates with a {@code pass} credential, or with a non-unique
 *     {@code user} credential whose username is the device's name; failing that, the device holding a unique
 *     {@code user} credential with that username authenticates with it;</li>
 *     <li>username without {@code @} and client ID {@code device@application} (same split and decoding): the device
 *     authenticates with a {@code user} credential (unique or not) of that username, or with a {@code pass}
 *     credential if the username is the device's name.</li>
 * </ol>
 *
 * <p>Every failure to prove an identity is {@link Reason#BAD_CREDENTIALS} with the same message, so a client cannot
 * tell an unknown device from a wrong password. Only once the password is verified is a disabled application or
 * device reported ({@link Reason#DISABLED}). A registry that cannot be consulted gives {@link Reason#UNAVAILABLE}.
 * The returned future never completes exceptionally.
 *
 * <p>Threading: {@link #authenticate} may be called on a Netty event loop. Plain passwords are compared there, in
 * constant time; bcrypt hashes are verified only on the hashing executor, so the future may complete on that
 * executor's thread. Successful bcrypt verifications are cached (keyed by application, device, hash and a SHA-256
 * digest of the password) and count only while the device's registry entry is unchanged, so a cache hit completes
 * on the caller's thread without touching the executor. Passwords are never logged. Thread-safe.
 */
public final class PasswordAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(PasswordAuthenticator.class);

    static final String BAD_CREDENTIALS_MESSAGE = "bad username or password";
    private static final AuthOutcome BAD = new Refused(Reason.BAD_CREDENTIALS, BAD_CREDENTIALS_MESSAGE);
    private static final AuthOutcome UNAVAILABLE = new Refused(Reason.UNAVAILABLE, "registry unavailable");
    private static final AuthOutcome BUSY = new Refused(Reason.UNAVAILABLE, "authentication temporarily unavailable");

    private final Registry registry;
    private final Executor hashingExecutor;
    private final Cache<CacheKey, Device> verified;

    /**
     * Registers an {@link Registry#onChange} listener that drops cached verifications of devices whose entry changed.
     *
     * @param hashingExecutor where bcrypt hashes are verified; never a Netty event loop
     */
    public PasswordAuthenticator(Registry registry, Executor hashingExecutor) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.hashingExecutor = Objects.requireNonNull(hashingExecutor, "hashingExecutor");
        Cache<CacheKey, Device> cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterAccess(Duration.ofHours(1))
                .build();
        this.verified = cache;
        registry.onChange(snapshot -> evictChanged(cache, snapshot));
    }

    /**
     * Authenticates a connecting client; any argument may be null.
     *
     * @return a future that completes (normally) with the outcome, on the caller's thread or on the hashing executor
     */
    public CompletableFuture<AuthOutcome> authenticate(String username, byte[] password, String clientId) {
        if (username == null || password == null) {
            return CompletableFuture.completedFuture(BAD);
        }
        RegistrySnapshot snapshot;
        try {
            snapshot = registry.current();
        } catch (RuntimeException e) {
            LOG.debug("Registry unavailable for authentication: {}", e.toString());
            return CompletableFuture.completedFuture(UNAVAILABLE);
        }
        Optional<Attempt> attempt = username.lastIndexOf('@') >= 0
                ? byDeviceUsername(snapshot, username)
                : byClientId(snapshot, username, clientId);
        if (attempt.isEmpty()) {
            return CompletableFuture.completedFuture(BAD);
        }
        byte[] secret = password.clone();
        return attempt.get().verify(secret, sha256(secret));
    }

    /** The number of cached bcrypt verifications, for tests. */
    long cachedVerifications() {
        verified.cleanUp();
        return verified.estimatedSize();
    }

    /** Rule 1: username {@code device@application}. */
    private Optional<Attempt> byDeviceUsername(RegistrySnapshot snapshot, String username) {
        Optional<DeviceAddress> address = DeviceAddress.parse(username);
        Optional<Application> application = address.flatMap(a -> snapshot.application(a.application()));
        if (application.isEmpty()) {
            return Optional.empty();
        }
        String deviceName = address.get().device();
        List<Candidate> candidates = new ArrayList<>();
        snapshot.device(application.get().name(), deviceName).ifPresent(device -> {
            for (Credential credential : device.credentials()) {
                if (credential instanceof Credential.Password pass) {
                    candidates.add(new Candidate(device, pass.secret()));
                } else if (credential instanceof Credential.User user && !user.unique()
                        && user.username().equals(device.name())) {
                    candidates.add(new Candidate(device, user.secret()));
                }
            }
        });
        snapshot.deviceByUniqueUsername(application.get().name(), deviceName).ifPresent(device -> {
            for (Credential credential : device.credentials()) {
                if (credential instanceof Credential.User user && user.unique()
                        && user.username().equals(deviceName)) {
                    Candidate candidate = new Candidate(device, user.secret());
                    if (!candidates.contains(candidate)) {
                        candidates.add(candidate);
                    }
                }
            }
        });
        return Optional.of(new Attempt(application.get(), candidates));
    }

    /** Rule 2: plain username, client ID {@code device@application}. */
    private Optional<Attempt> byClientId(RegistrySnapshot snapshot, String username, String clientId) {
        Optional<DeviceAddress> address = clientId == null ? Optional.empty() : DeviceAddress.parse(clientId);
        Optional<Application> application = address.flatMap(a -> snapshot.application(a.application()));
        if (application.isEmpty()) {
            return Optional.empty();
        }
        List<Candidate> candidates = new ArrayList<>();
        snapshot.device(application.get().name(), address.get().device()).ifPresent(device -> {
            for (Credential credential : device.credentials()) {
                if (credential instanceof Credential.User user && user.username().equals(username)) {
                    candidates.add(new Candidate(device, user.secret()));
                } else if (credential instanceof Credential.Password pass && username.equals(device.name())) {
                    candidates.add(new Candidate(device, pass.secret()));
                }
            }
        });
        return Optional.of(new Attempt(application.get(), candidates));
    }

    /** A secret that, if it matches, authenticates {@code device}. */
    private record Candidate(Device device, Secret secret) {
    }

    /** What was verified: this password (by digest) against this hash, for this device. */
    private record CacheKey(String application, String device, String hash, String passwordDigest) {
    }

    /** The candidates of one connection attempt, tried in order; the first whose secret matches wins. */
    private final class Attempt {
        private final Application application;
        private final List<Candidate> candidates;

        Attempt(Application application, List<Candidate> candidates) {
            this.application = application;
            this.candidates = List.copyOf(candidates);
        }

        /** Tries plain secrets and cached bcrypt results inline; moves to the executor at the first real bcrypt. */
        CompletableFuture<AuthOutcome> verify(byte[] password, byte[] digest) {
            for (int i = 0; i < candidates.size(); i++) {
                Candidate candidate = candidates.get(i);
                if (candidate.secret() instanceof Secret.Plain plain) {
                    if (plainMatches(plain, digest)) {
                        return CompletableFuture.completedFuture(admit(candidate.device()));
                    }
                } else if (cached(candidate, digest)) {
                    return CompletableFuture.completedFuture(admit(candidate.device()));
                } else {
                    int from = i;
                    try {
                        return CompletableFuture.supplyAsync(() -> verifyFrom(from, password, digest), hashingExecutor)
                                .exceptionally(e -> {
                                    LOG.error("Password verification failed", e);
                                    return BUSY;
                                });
                    } catch (RejectedExecutionException e) {
                        LOG.warn("Hashing executor rejected a password verification: {}", e.toString());
                        return CompletableFuture.completedFuture(BUSY);
                    }
                }
            }
            return CompletableFuture.completedFuture(BAD);
        }

        /** Runs on the hashing executor. */
        private AuthOutcome verifyFrom(int from, byte[] password, byte[] digest) {
            for (Candidate candidate : candidates.subList(from, candidates.size())) {
                if (candidate.secret() instanceof Secret.Plain plain) {
                    if (plainMatches(plain, digest)) {
                        return admit(candidate.device());
                    }
                } else if (candidate.secret() instanceof Secret.Bcrypt bcrypt) {
                    if (cached(candidate, digest) || bcryptMatches(candidate.device(), bcrypt, password, digest)) {
                        return admit(candidate.device());
                    }
                }
            }
            return BAD;
        }

        private boolean cached(Candidate candidate, byte[] digest) {
            Device device = candidate.device();
            Device cached = verified.getIfPresent(key(device, (Secret.Bcrypt) candidate.secret(), digest));
            return device.equals(cached);
        }

        private boolean bcryptMatches(Device device, Secret.Bcrypt bcrypt, byte[] password, byte[] digest) {
            boolean matches;
            try {
                matches = Secrets.bcryptMatches(bcrypt, password);
            } catch (RuntimeException e) {
                LOG.warn("Cannot verify a bcrypt credential of device {}/{}: {}", device.application(), device.name(),
                        e.toString());
                return false;
            }
            if (matches) {
                verified.put(key(device, bcrypt, digest), device);
            }
            return matches;
        }

        /** Called once the password is verified: only now may the caller learn that something is disabled. */
        private AuthOutcome admit(Device device) {
            if (application.disabled()) {
                return new Refused(Reason.DISABLED, "application disabled");
            }
            if (device.disabled()) {
                return new Refused(Reason.DISABLED, "device disabled");
            }
            return new AuthOutcome.Authenticated(application, device);
        }
    }

    private static CacheKey key(Device device, Secret.Bcrypt bcrypt, byte[] digest) {
        return new CacheKey(device.application(), device.name(), bcrypt.hash(), HexFormat.of().formatHex(digest));
    }

    private static boolean plainMatches(Secret.Plain plain, byte[] passwordDigest) {
        return Secrets.plainMatches(plain, passwordDigest);
    }

    private static void evictChanged(Cache<CacheKey, Device> cache, RegistrySnapshot snapshot) {
        cache.asMap().entrySet().removeIf(entry -> !snapshot.device(entry.getKey().application(),
                entry.getKey().device()).map(entry.getValue()::equals).orElse(false));
    }

    private static byte[] sha256(byte[] input) {
        return Secrets.sha256(input);
    }
}
