package io.hatchway.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.hatchway.registry.AuthOutcome.Authenticated;
import io.hatchway.registry.AuthOutcome.Reason;
import io.hatchway.registry.AuthOutcome.Refused;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PasswordAuthenticatorTest {

    private static final String HASHED = hash("hashed-secret");
    private static final String UNIQUE_HASHED = hash("unique-hashed-secret");
    private static final String MULTI_PASS = hash("multi-pass-secret");
    private static final String MULTI_USER = hash("multi-user-secret");

    private static final String REGISTRY = """
            applications:
              - metadata: { name: app }
              - metadata: { name: closed }
                spec: { disabled: true }
            devices:
              - metadata: { name: plain-dev, application: app }
                spec:
                  authentication: { credentials: [ { pass: plain-secret } ] }
                  alias: [ serial-1 ]
              - metadata: { name: hashed-dev, application: app }
                spec:
                  authentication: { credentials: [ { pass: { bcrypt: "HASHED" } } ] }
              - metadata: { name: "dev@ice", application: app }
                spec:
                  authentication: { credentials: [ { pass: at-secret } ] }
              - metadata: { name: "dévice", application: app }
                spec:
                  authentication: { credentials: [ { pass: accent-secret } ] }
              - metadata: { name: user-dev, application: app }
                spec:
                  authentication:
                    credentials:
                      - user: { username: user-dev, password: own-name-secret }
                      - user: { username: alice, password: alice-secret }
                      - user: { username: bob, password: bob-secret, unique: true }
                      - user: { username: hashed-unique, password: { bcrypt: "UNIQUE_HASHED" }, unique: true }
              - metadata: { name: multi-dev, application: app }
                spec:
                  authentication:
                    credentials:
                      - pass: { bcrypt: "MULTI_PASS" }
                      - user: { username: carol, password: { bcrypt: "MULTI_USER" } }
              - metadata: { name: disabled-dev, application: app }
                spec:
                  disabled: true
                  authentication: { credentials: [ { pass: disabled-secret } ] }
              - metadata: { name: in-disabled-app, application: closed }
                spec:
                  authentication: { credentials: [ { pass: off-secret } ] }
            """.replace("UNIQUE_HASHED", UNIQUE_HASHED).replace("HASHED", HASHED)
            .replace("MULTI_PASS", MULTI_PASS).replace("MULTI_USER", MULTI_USER);

    private static final Refused BAD = new Refused(Reason.BAD_CREDENTIALS, "bad username or password");

    private final TestRegistry registry = new TestRegistry(REGISTRY);
    private final CountingExecutor executor = new CountingExecutor();
    private final PasswordAuthenticator authenticator = new PasswordAuthenticator(registry, executor);

    @AfterEach
    void stopExecutor() {
        executor.pool.shutdownNow();
    }

    // Rule 1: username device@app

    @Test
    void deviceAtApplicationWithPassCredentialIsAuthenticated() {
        assertAuthenticated("plain-dev", authenticate("plain-dev@app", "plain-secret", null));
    }

    @Test
    void deviceAtApplicationByAliasIsAuthenticatedAsTheDevice() {
        assertAuthenticated("plain-dev", authenticate("serial-1@app", "plain-secret", "any-client"));
    }

    @Test
    void deviceAtApplicationWithNonUniqueUserCredentialNamedLikeTheDeviceIsAuthenticated() {
        assertAuthenticated("user-dev", authenticate("user-dev@app", "own-name-secret", null));
    }

    @Test
    void nonUniqueUsernameIsNotAcceptedInPlaceOfTheDeviceName() {
        assertEquals(BAD, authenticate("alice@app", "alice-secret", null));
    }

    @Test
    void otherUserCredentialsOfTheDeviceAreNotAcceptedWithTheDeviceName() {
        assertEquals(BAD, authenticate("user-dev@app", "alice-secret", null));
    }

    @Test
    void uniqueUsernameAtApplicationIsAuthenticatedAsItsDevice() {
        assertAuthenticated("user-dev", authenticate("bob@app", "bob-secret", null));
    }

    @Test
    void uniqueUsernameWithBcryptSecretIsAuthenticatedAsItsDevice() {
        assertAuthenticated("user-dev", authenticate("hashed-unique@app", "unique-hashed-secret", null));
    }

    @Test
    void percentEncodedDevicePartIsDecoded() {
        assertAuthenticated("dev@ice", authenticate("dev%40ice@app", "at-secret", null));
    }

    @Test
    void percentEncodedUtf8DevicePartIsDecoded() {
        assertAuthenticated("dévice", authenticate("d%C3%A9vice@app", "accent-secret", null));
    }

    @Test
    void usernameIsSplitAtTheLastAt() {
        assertAuthenticated("dev@ice", authenticate("dev@ice@app", "at-secret", null));
    }

    @Test
    void truncatedPercentEscapeIsRefused() {
        assertEquals(BAD, authenticate("dev%4@app", "at-secret", null));
    }

    @Test
    void percentEscapeOfInvalidUtf8IsRefused() {
        assertEquals(BAD, authenticate("d%C3%28vice@app", "accent-secret", null));
    }

    @Test
    void bcryptPassCredentialIsAuthenticated() {
        assertAuthenticated("hashed-dev", authenticate("hashed-dev@app", "hashed-secret", null));
    }

    // Rule 2: plain username, client ID device@app

    @Test
    void usernameWithClientIdUsesTheDevicesUserCredential() {
        assertAuthenticated("user-dev", authenticate("alice", "alice-secret", "user-dev@app"));
    }

    @Test
    void usernameWithClientIdAlsoAcceptsUniqueUserCredentials() {
        assertAuthenticated("user-dev", authenticate("bob", "bob-secret", "user-dev@app"));
    }

    @Test
    void usernameWithClientIdAcceptsAliasInTheClientId() {
        assertAuthenticated("plain-dev", authenticate("plain-dev", "plain-secret", "serial-1@app"));
    }

    @Test
    void deviceNameAsUsernameWithClientIdUsesThePassCredential() {
        assertAuthenticated("plain-dev", authenticate("plain-dev", "plain-secret", "plain-dev@app"));
    }

    @Test
    void otherUsernameWithClientIdDoesNotUseThePassCredential() {
        assertEquals(BAD, authenticate("someone", "plain-secret", "plain-dev@app"));
    }

    @Test
    void clientIdDevicePartIsPercentDecoded() {
        assertAuthenticated("user-dev", authenticate("alice", "alice-secret", "user%2Ddev@app"));
    }

    @Test
    void usernameWithClientIdUserCredentialOfAnotherDeviceIsRefused() {
        assertEquals(BAD, authenticate("alice", "alice-secret", "plain-dev@app"));
    }

    @Test
    void usernameWithoutClientIdIsRefused() {
        assertEquals(BAD, authenticate("alice", "alice-secret", null));
    }

    @Test
    void usernameWithClientIdWithoutAtIsRefused() {
        assertEquals(BAD, authenticate("alice", "alice-secret", "user-dev"));
    }

    // Failures

    @Test
    void wrongPasswordUnknownDeviceAndUnknownApplicationAreIndistinguishable() {
        assertEquals(BAD, authenticate("plain-dev@app", "wrong", null));
        assertEquals(BAD, authenticate("nobody@app", "plain-secret", null));
        assertEquals(BAD, authenticate("plain-dev@no-app", "plain-secret", null));
        assertEquals(BAD, authenticate("hashed-dev@app", "wrong", null));
    }

    @Test
    void missingUsernameOrPasswordIsRefused() {
        assertEquals(BAD, authenticator.authenticate(null, "plain-secret".getBytes(UTF_8), "plain-dev@app").join());
        assertEquals(BAD, authenticator.authenticate("plain-dev@app", null, "plain-dev@app").join());
        assertEquals(BAD, authenticator.authenticate(null, null, null).join());
    }

    @Test
    void disabledDeviceWithRightPasswordIsRefusedAsDisabled() {
        assertEquals(new Refused(Reason.DISABLED, "device disabled"),
                authenticate("disabled-dev@app", "disabled-secret", null));
    }

    @Test
    void disabledDeviceWithWrongPasswordIsRefusedAsBadCredentials() {
        assertEquals(BAD, authenticate("disabled-dev@app", "wrong", null));
    }

    @Test
    void deviceOfDisabledApplicationWithRightPasswordIsRefusedAsDisabled() {
        assertEquals(new Refused(Reason.DISABLED, "application disabled"),
                authenticate("in-disabled-app@closed", "off-secret", null));
    }

    @Test
    void deviceOfDisabledApplicationWithWrongPasswordIsRefusedAsBadCredentials() {
        assertEquals(BAD, authenticate("in-disabled-app@closed", "wrong", null));
    }

    @Test
    void unavailableRegistryIsRefusedAsUnavailable() {
        registry.failWith(new RegistryUnavailableException("not loaded"));
        assertEquals(Reason.UNAVAILABLE, reason(authenticate("plain-dev@app", "plain-secret", null)));
    }

    @Test
    void registryThrowingAnyRuntimeExceptionIsRefusedAsUnavailable() {
        registry.failWith(new IllegalStateException("boom"));
        assertEquals(Reason.UNAVAILABLE, reason(authenticate("plain-dev@app", "plain-secret", null)));
    }

    @Test
    void rejectedHashingIsRefusedAsUnavailable() {
        PasswordAuthenticator rejecting = new PasswordAuthenticator(registry, task -> {
            throw new RejectedExecutionException("full");
        });
        AuthOutcome outcome = rejecting.authenticate("hashed-dev@app", "hashed-secret".getBytes(UTF_8), null).join();
        assertEquals(Reason.UNAVAILABLE, reason(outcome));
    }

    // Threading and the bcrypt cache

    @Test
    void plainPasswordCompletesOnTheCallerWithoutTheExecutor() {
        CompletableFuture<AuthOutcome> future =
                authenticator.authenticate("plain-dev@app", "plain-secret".getBytes(UTF_8), null);
        assertTrue(future.isDone());
        assertEquals(0, executor.tasks.get());
    }

    @Test
    void bcryptRunsOnTheHashingExecutorNotTheCaller() {
        List<Runnable> queued = new ArrayList<>();
        PasswordAuthenticator queueing = new PasswordAuthenticator(registry, queued::add);

        CompletableFuture<AuthOutcome> future =
                queueing.authenticate("hashed-dev@app", "hashed-secret".getBytes(UTF_8), null);

        assertFalse(future.isDone(), "bcrypt must not run on the caller thread");
        assertEquals(1, queued.size());
        queued.get(0).run();
        assertAuthenticated("hashed-dev", future.getNow(null));
    }

    @Test
    void secondBcryptVerificationWithTheSamePasswordIsCachedAndSkipsTheExecutor() {
        assertAuthenticated("hashed-dev", authenticate("hashed-dev@app", "hashed-secret", null));
        assertEquals(1, executor.tasks.get());

        CompletableFuture<AuthOutcome> second =
                authenticator.authenticate("hashed-dev@app", "hashed-secret".getBytes(UTF_8), null);

        assertTrue(second.isDone());
        assertAuthenticated("hashed-dev", second.join());
        assertEquals(1, executor.tasks.get());
    }

    @Test
    void cachedVerificationDoesNotAcceptAnotherPassword() {
        authenticate("hashed-dev@app", "hashed-secret", null);
        assertEquals(BAD, authenticate("hashed-dev@app", "other", null));
        assertEquals(2, executor.tasks.get());
    }

    @Test
    void cachedVerificationStillChecksDisabledState() {
        authenticate("hashed-dev@app", "hashed-secret", null);
        registry.update(REGISTRY.replace("""
                  - metadata: { name: app }
                """, """
                  - metadata: { name: app }
                    spec: { disabled: true }
                """));
        assertEquals(new Refused(Reason.DISABLED, "application disabled"),
                authenticate("hashed-dev@app", "hashed-secret", null));
    }

    @Test
    void changedDeviceEntryIsEvictedFromTheCacheAndVerifiedAgain() {
        authenticate("hashed-dev@app", "hashed-secret", null);
        assertEquals(1, authenticator.cachedVerifications());

        registry.update(withAliasForHashedDev());

        assertEquals(0, authenticator.cachedVerifications());
        assertAuthenticated("hashed-dev", authenticate("hashed-dev@app", "hashed-secret", null));
        assertEquals(2, executor.tasks.get());
    }

    @Test
    void changedDeviceEntryInvalidatesTheCacheEvenBeforeListenersRun() {
        authenticate("hashed-dev@app", "hashed-secret", null);
        registry.updateSilently(withAliasForHashedDev());
        assertEquals(1, authenticator.cachedVerifications());

        assertAuthenticated("hashed-dev", authenticate("hashed-dev@app", "hashed-secret", null));
        assertEquals(2, executor.tasks.get());
    }

    @Test
    void passwordChangeMakesTheCachedPasswordFail() {
        authenticate("hashed-dev@app", "hashed-secret", null);
        registry.updateSilently(REGISTRY.replace(HASHED, hash("new-secret")));

        assertEquals(BAD, authenticate("hashed-dev@app", "hashed-secret", null));
        assertAuthenticated("hashed-dev", authenticate("hashed-dev@app", "new-secret", null));
    }

    @Test
    void unchangedDeviceKeepsItsCachedVerificationAcrossReloads() {
        authenticate("hashed-dev@app", "hashed-secret", null);
        registry.update(REGISTRY.replace("name: plain-dev, application: app", "name: plain-dev2, application: app"));
        assertEquals(1, authenticator.cachedVerifications());

        assertAuthenticated("hashed-dev", authenticate("hashed-dev@app", "hashed-secret", null));
        assertEquals(1, executor.tasks.get());
    }

    @Test
    void cachedVerificationOfOneCredentialDoesNotUnlockAnother() {
        assertAuthenticated("multi-dev", authenticate("multi-dev@app", "multi-pass-secret", null));

        assertEquals(BAD, authenticate("carol", "multi-pass-secret", "multi-dev@app"));
        assertAuthenticated("multi-dev", authenticate("carol", "multi-user-secret", "multi-dev@app"));
    }

    private String withAliasForHashedDev() {
        String hashedDev = "authentication: { credentials: [ { pass: { bcrypt: \"" + HASHED;
        assertTrue(REGISTRY.contains(hashedDev));
        String changed = REGISTRY.replace(hashedDev, "alias: [ new-alias ]\n      " + hashedDev);
        assertTrue(TestRegistry.parse(changed, 0).device("app", "new-alias").isPresent());
        return changed;
    }

    private AuthOutcome authenticate(String username, String password, String clientId) {
        try {
            return authenticator.authenticate(username, password.getBytes(UTF_8), clientId).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void assertAuthenticated(String device, AuthOutcome outcome) {
        if (!(outcome instanceof Authenticated authenticated)) {
            throw new AssertionError("expected " + device + " to be authenticated, was " + outcome);
        }
        assertEquals(device, authenticated.device().name());
        assertEquals(authenticated.application().name(), authenticated.device().application());
    }

    private static Reason reason(AuthOutcome outcome) {
        assertNotEquals(null, outcome);
        return outcome instanceof Refused refused ? refused.reason() : null;
    }

    private static String hash(String password) {
        return BCrypt.withDefaults().hashToString(4, password.toCharArray());
    }

    /** Counts the tasks handed to it, and runs them on its own thread. */
    private static final class CountingExecutor implements Executor {
        final AtomicInteger tasks = new AtomicInteger();
        final ExecutorService pool = Executors.newSingleThreadExecutor();

        @Override
        public void execute(Runnable task) {
            tasks.incrementAndGet();
            pool.execute(task);
        }
    }
}
