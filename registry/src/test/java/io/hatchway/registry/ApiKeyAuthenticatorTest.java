package io.hatchway.registry;

import at.favre.lib.crypto.bcrypt.BCrypt;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code spec.apiKeys}: reading them, and authenticating backends with them. */
class ApiKeyAuthenticatorTest {

    private static final String REGISTRY = """
            applications:
              - metadata: { name: app1 }
                spec:
                  apiKeys:
                    - { name: backend, key: plain-key }
                    - { name: hashed, key: { bcrypt: "HASH" } }
              - metadata: { name: app2 }
                spec:
                  apiKeys: [ { name: backend, key: { plain: other-key } } ]
              - metadata: { name: closed }
                spec:
                  disabled: true
                  apiKeys: [ { name: backend, key: closed-key } ]
            """.replace("HASH", BCrypt.withDefaults().hashToString(4, "hashed-key".toCharArray()));

    private final AtomicInteger hashings = new AtomicInteger();
    private final ExecutorService pool = Executors.newSingleThreadExecutor();
    private final TestRegistry registry = new TestRegistry(REGISTRY);
    private final ApiKeyAuthenticator authenticator = new ApiKeyAuthenticator(registry, task -> {
        hashings.incrementAndGet();
        pool.execute(task);
    });

    @Test
    void keysAreReadWithTheirNames() {
        Application app1 = registry.current().application("app1").orElseThrow();
        assertEquals(List.of("backend", "hashed"), app1.apiKeys().stream().map(Application.ApiKey::name).toList());
        assertInstanceOf(Secret.Bcrypt.class, app1.apiKeys().get(1).secret());
        assertEquals(List.of(), new Application("x", false).apiKeys());
    }

    @Test
    void aKeyGrantsItsOwnApplicationOnly() {
        Application app1 = registry.current().application("app1").orElseThrow();
        assertEquals(new ApiKeyAuthenticator.Accepted(app1, "backend"), authenticate("backend@app1", "plain-key"));
        assertBad(authenticate("backend@app2", "plain-key"));
        assertBad(authenticate("backend@app1", "other-key"));
        assertBad(authenticate("nobody@app1", "plain-key"));
        assertBad(authenticate("backend@nowhere", "plain-key"));
        assertBad(authenticate("backend", "plain-key"));
        assertBad(authenticate(null, "plain-key"));
    }

    @Test
    void bcryptKeysAreVerifiedOffTheCallerAndCached() {
        Application app1 = registry.current().application("app1").orElseThrow();
        assertBad(authenticate("hashed@app1", "wrong"));
        assertEquals(new ApiKeyAuthenticator.Accepted(app1, "hashed"), authenticate("hashed@app1", "hashed-key"));
        assertEquals(new ApiKeyAuthenticator.Accepted(app1, "hashed"), authenticate("hashed@app1", "hashed-key"));
        assertEquals(2, hashings.get(), "the second success came from the cache");
    }

    @Test
    void aDisabledApplicationIsSaidOnlyAfterTheKeyIsVerified() {
        assertEquals(AuthOutcome.Reason.DISABLED, ((ApiKeyAuthenticator.Refused) authenticate("backend@closed",
                "closed-key")).reason());
        assertBad(authenticate("backend@closed", "wrong"));
    }

    @Test
    void duplicateOrMalformedKeysAreRegistryErrors() {
        assertRefused("{ apiKeys: [ { name: k, key: a }, { name: k, key: b } ] }", "duplicate API key name");
        assertRefused("{ apiKeys: [ { name: k@app, key: a } ] }", "must not contain '@' or ':'");
        assertRefused("{ apiKeys: [ { name: \"k:1\", key: a } ] }", "must not contain '@' or ':'");
        assertRefused("{ apiKeys: [ { name: k, key: \"\" } ] }", "apiKeys[0].key");
        assertRefused("{ apiKeys: [ { name: k } ] }", "key");
    }

    private static void assertRefused(String spec, String expected) {
        RegistryException e = assertThrows(RegistryException.class, () -> RegistryLoader.parse(Path.of("r.yaml"),
                ("applications:\n  - metadata: { name: app }\n    spec: " + spec + "\n")
                        .getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private ApiKeyAuthenticator.Outcome authenticate(String login, String key) {
        return authenticator.authenticate(login, key == null ? null : key.getBytes(StandardCharsets.UTF_8)).join();
    }

    private static void assertBad(ApiKeyAuthenticator.Outcome outcome) {
        assertEquals(new ApiKeyAuthenticator.Refused(AuthOutcome.Reason.BAD_CREDENTIALS, "bad API key name or key"),
                outcome);
    }
}
