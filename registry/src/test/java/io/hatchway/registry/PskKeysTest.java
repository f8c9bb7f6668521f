package io.hatchway.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.registry.AuthOutcome.Authenticated;
import io.hatchway.registry.AuthOutcome.Reason;
import io.hatchway.registry.AuthOutcome.Refused;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PskKeysTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private static final String REGISTRY = """
            applications:
              - metadata: { name: app }
              - metadata: { name: closed }
                spec: { disabled: true }
            devices:
              - metadata: { name: device1, application: app }
                spec:
                  authentication:
                    credentials:
                      - pass: not-a-key
                      - psk: { key: "AQIDBA==" }
                      - psk: { key: "BQYHCA==" }
                  alias: [ serial-1 ]
              - metadata: { name: rotating, application: app }
                spec:
                  authentication:
                    credentials:
                      - psk: { key: "AAAA", validity: { notAfter: 2025-06-01T11:59:59Z } }
                      - psk: { key: "ERERER==", validity: { notBefore: 2025-06-01T12:00:00Z } }
              - metadata: { name: future, application: app }
                spec:
                  authentication:
                    credentials:
                      - psk: { key: "AAAA", validity: { notBefore: 2025-06-01T12:00:01Z } }
              - metadata: { name: expired, application: app }
                spec:
                  authentication:
                    credentials:
                      - psk: { key: "AAAA", validity: { notAfter: 2025-06-01T11:59:59Z } }
              - metadata: { name: password-only, application: app }
                spec:
                  authentication: { credentials: [ { pass: secret } ] }
              - metadata: { name: "dev@ice", application: app }
                spec:
                  authentication: { credentials: [ { psk: { key: "IiIi" } } ] }
              - metadata: { name: disabled-dev, application: app }
                spec:
                  disabled: true
                  authentication: { credentials: [ { psk: { key: "AAAA" } } ] }
              - metadata: { name: device1, application: closed }
                spec:
                  authentication: { credentials: [ { psk: { key: "AAAA" } } ] }
            """;

    private final TestRegistry registry = new TestRegistry(REGISTRY);
    private final PskKeys keys = new PskKeys(registry, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void identityByDeviceNameGivesTheFirstKey() {
        PskKeys.PskMatch match = keys.find("device1@app").orElseThrow();
        assertEquals("app", match.application().name());
        assertEquals("device1", match.device().name());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, match.key());
    }

    @Test
    void identityByAliasGivesTheDevicesKey() {
        assertEquals(Optional.of("device1"), keys.find("serial-1@app").map(m -> m.device().name()));
    }

    @Test
    void percentEncodedDeviceNameIsDecoded() {
        assertArrayEquals(Base64.getDecoder().decode("IiIi"), keys.find("dev%40ice@app").orElseThrow().key());
        assertArrayEquals(Base64.getDecoder().decode("IiIi"), keys.find("dev@ice@app").orElseThrow().key());
    }

    @Test
    void keysOutsideTheirValidityWindowAreSkipped() {
        assertArrayEquals(Base64.getDecoder().decode("ERERER=="), keys.find("rotating@app").orElseThrow().key());
        assertTrue(keys.find("future@app").isEmpty());
        assertTrue(keys.find("expired@app").isEmpty());
    }

    @Test
    void unknownOrMalformedIdentitiesFindNothing() {
        for (String identity : List.of("ghost@app", "device1@ghost-app", "device1", "device1@", "%zz@app",
                "password-only@app", "")) {
            assertTrue(keys.find(identity).isEmpty(), identity);
        }
        assertTrue(keys.find(null).isEmpty());
    }

    @Test
    void disabledDeviceOrApplicationFindsNothing() {
        assertTrue(keys.find("disabled-dev@app").isEmpty());
        assertTrue(keys.find("device1@closed").isEmpty());
    }

    @Test
    void unavailableRegistryFindsNothing() {
        registry.failWith(new RegistryUnavailableException("down"));
        assertTrue(keys.find("device1@app").isEmpty());
    }

    @Test
    void registryChangeAppliesToTheNextLookUp() {
        registry.updateSilently(REGISTRY.replace("AQIDBA==", "CQkJCQ=="));
        assertArrayEquals(new byte[] {9, 9, 9, 9}, keys.find("device1@app").orElseThrow().key());
    }

    @Test
    void matchNeverShowsTheKey() {
        PskKeys.PskMatch match = keys.find("device1@app").orElseThrow();
        assertFalse(match.toString().contains("1, 2"), match.toString());
        assertEquals(keys.find("device1@app").orElseThrow(), match);
        match.key()[0] = 42;
        assertEquals(1, match.key()[0], "key() returns a copy");
    }

    @Test
    void completedHandshakeAuthenticatesTheDevice() {
        Authenticated authenticated = assertInstanceOf(Authenticated.class, keys.authenticate("serial-1@app", null));
        assertEquals("device1", authenticated.device().name());
        assertEquals("app", authenticated.application().name());
        for (String username : List.of("", "device1", "serial-1", "device1@app", "serial-1@app")) {
            assertInstanceOf(Authenticated.class, keys.authenticate("device1@app", username), username);
        }
    }

    @Test
    void completedHandshakeWithAUsernameNamingAnotherDeviceIsRefused() {
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "username does not match the PSK identity"),
                keys.authenticate("device1@app", "rotating@app"));
    }

    @Test
    void completedHandshakeOfADeviceDisabledOrRemovedSinceIsRefused() {
        assertEquals(new Refused(Reason.DISABLED, "device disabled"), keys.authenticate("disabled-dev@app", null));
        assertEquals(new Refused(Reason.DISABLED, "application disabled"), keys.authenticate("device1@closed", null));
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "unknown PSK identity"),
                keys.authenticate("ghost@app", null));
        registry.failWith(new RegistryUnavailableException("down"));
        assertEquals(Reason.UNAVAILABLE,
                assertInstanceOf(Refused.class, keys.authenticate("device1@app", null)).reason());
    }
}
