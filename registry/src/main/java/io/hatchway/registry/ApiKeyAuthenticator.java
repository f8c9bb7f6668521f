package io.hatchway.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Authenticates a backend by one of its application's API keys ({@code spec.apiKeys}): {@code name@application}
 * and the key. Every failure to prove the key is {@link AuthOutcome.Reason#BAD_CREDENTIALS} with the same message;
 * a disabled application is reported only once the key is verified. Plain keys are compared in constant time on
 * the caller's thread, bcrypt hashes on the hashing executor, and successful bcrypt verifications are cached while
 * the application's registry entry is unchanged. The future never completes exceptionally. Thread-safe.
 */
public final class ApiKeyAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyAuthenticator.class);

    /** What became of an attempt. */
    public sealed interface Outcome {
    }

    /** @param application the application whose key it is; its events and commands only */
    public record Accepted(Application application, String keyName) implements Outcome {
    }

    public record Refused(AuthOutcome.Reason reason, String message) implements Outcome {
    }

    private static final Refused BAD = new Refused(AuthOutcome.Reason.BAD_CREDENTIALS, "bad API key name or key");

    private record CacheKey(String application, String keyName, String hash, String keyDigest) {
    }

    private final Registry registry;
    private final Executor hashingExecutor;
    private final Cache<CacheKey, Application> verified = Caffeine.newBuilder().maximumSize(10_000)
            .expireAfterAccess(Duration.ofHours(1)).build();

    public ApiKeyAuthenticator(Registry registry, Executor hashingExecutor) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.hashingExecutor = Objects.requireNonNull(hashingExecutor, "hashingExecutor");
        registry.onChange(snapshot -> verified.asMap().entrySet().removeIf(entry -> !snapshot
                .application(entry.getKey().application()).map(entry.getValue()::equals).orElse(false)));
    }

    /**
     * @param login {@code name@application}, split at the last {@code @}; may be null
     * @param key   the key presented; may be null
     */
    public CompletableFuture<Outcome> authenticate(String login, byte[] key) {
        int at = login == null ? -1 : login.lastIndexOf('@');
        if (at <= 0 || key == null) {
            return CompletableFuture.completedFuture(BAD);
        }
        String keyName = login.substring(0, at);
        Optional<Application> found;
        try {
            found = registry.current().application(login.substring(at + 1));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(
                    new Refused(AuthOutcome.Reason.UNAVAILABLE, "registry unavailable"));
        }
        Optional<Application.ApiKey> apiKey = found.flatMap(app -> app.apiKeys().stream()
                .filter(k -> k.name().equals(keyName)).findFirst());
        if (apiKey.isEmpty()) {
            return CompletableFuture.completedFuture(BAD);
        }
        Application application = found.get();
        byte[] presented = key.clone();
        byte[] digest = Secrets.sha256(presented);
        if (apiKey.get().secret() instanceof Secret.Plain plain) {
            return CompletableFuture.completedFuture(
                    Secrets.plainMatches(plain, digest) ? admit(application, keyName) : BAD);
        }
        Secret.Bcrypt bcrypt = (Secret.Bcrypt) apiKey.get().secret();
        CacheKey cacheKey = new CacheKey(application.name(), keyName, bcrypt.hash(), HexFormat.of().formatHex(digest));
        if (application.equals(verified.getIfPresent(cacheKey))) {
            return CompletableFuture.completedFuture(admit(application, keyName));
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    if (!Secrets.bcryptMatches(bcrypt, presented)) {
                        return BAD;
                    }
                } catch (RuntimeException e) {
                    LOG.warn("Cannot verify API key {} of application {}: {}", keyName, application.name(),
                            e.toString());
                    return BAD;
                }
                verified.put(cacheKey, application);
                return admit(application, keyName);
            }, hashingExecutor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(
                    new Refused(AuthOutcome.Reason.UNAVAILABLE, "authentication temporarily unavailable"));
        }
    }

    private static Outcome admit(Application application, String keyName) {
        return application.disabled() ? new Refused(AuthOutcome.Reason.DISABLED, "application disabled")
                : new Accepted(application, keyName);
    }
}
