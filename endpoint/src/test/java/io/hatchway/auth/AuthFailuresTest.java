package io.hatchway.auth;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who is let through to the credential check, and who is refused unchecked. */
class AuthFailuresTest {

    private static final InetAddress DEVICE = address("192.0.2.1");
    private static final InetAddress ELSEWHERE = address("198.51.100.7");
    private static final String ID = "device1@my-app";

    private final AuthFailures failures = new AuthFailures(100, 3, Duration.ofMinutes(1));

    @Test
    void anIdentityIsThrottledAfterItsFailuresFromAnywhere() {
        for (int i = 0; i < 3; i++) {
            assertFalse(failures.throttled(ELSEWHERE, ID, bytes("guess"), false));
            failures.failed(ELSEWHERE, ID);
        }
        assertTrue(failures.throttled(ELSEWHERE, ID, bytes("guess"), false));
        assertTrue(failures.throttled(DEVICE, ID, bytes("secret"), false), "no success known: no exemption");
        assertTrue(failures.throttled(DEVICE, ID, null, false));
    }

    @Test
    void theOwnersAddressWithItsSecretIsLetThroughOthersAreNot() {
        failures.succeeded(ID, DEVICE, bytes("secret"));
        throttle();
        assertFalse(failures.throttled(DEVICE, ID, bytes("secret"), false));
        assertTrue(failures.throttled(ELSEWHERE, ID, bytes("secret"), false), "the right secret from elsewhere");
        assertTrue(failures.throttled(DEVICE, ID, bytes("other"), false));
        assertTrue(failures.throttled(DEVICE, ID, null, false));
    }

    @Test
    void wrongSecretsFromTheOwnersAddressCloseTheExemptionAfterTheIdentitysLimit() {
        failures.succeeded(ID, DEVICE, bytes("secret"));
        throttle();
        for (int i = 0; i < 3; i++) {
            assertTrue(failures.throttled(DEVICE, ID, bytes("guess-" + i), false));
        }
        assertTrue(failures.throttled(DEVICE, ID, bytes("secret"), false), "exemption used up");
    }

    @Test
    void wrongSecretsAtTheExemptionCountAgainstTheAddress() {
        AuthFailures strict = new AuthFailures(2, 2, Duration.ofMinutes(1));
        strict.succeeded(ID, DEVICE, bytes("secret"));
        strict.failed(ELSEWHERE, ID);
        strict.failed(ELSEWHERE, ID);
        assertFalse(strict.throttled(DEVICE, "another@my-app", bytes("x"), false));
        assertTrue(strict.throttled(DEVICE, ID, bytes("guess"), false));
        assertTrue(strict.throttled(DEVICE, ID, bytes("guess"), false));
        assertTrue(strict.throttled(DEVICE, "another@my-app", bytes("x"), false), "the address reached its limit");
    }

    @Test
    void aSuccessThroughTheExemptionDoesNotResetTheGuessersCount() {
        failures.succeeded(ID, DEVICE, bytes("secret"));
        throttle();
        failures.succeeded(ID, DEVICE, bytes("secret"));
        assertTrue(failures.throttled(ELSEWHERE, ID, bytes("guess"), false));
    }

    @Test
    void aSuccessBelowTheLimitClearsTheIdentitysCount() {
        failures.failed(ELSEWHERE, ID);
        failures.failed(ELSEWHERE, ID);
        failures.succeeded(ID, DEVICE, bytes("secret"));
        failures.failed(ELSEWHERE, ID);
        failures.failed(ELSEWHERE, ID);
        assertFalse(failures.throttled(ELSEWHERE, ID, bytes("guess"), false));
    }

    @Test
    void aKeyProvenByTlsIsNotSubjectToTheIdentitysCountButToTheAddresss() {
        throttle();
        assertFalse(failures.throttled(ELSEWHERE, ID, null, true));
        AuthFailures strict = new AuthFailures(1, 1, Duration.ofMinutes(1));
        strict.failed(ELSEWHERE, ID);
        assertTrue(strict.throttled(ELSEWHERE, ID, null, true));
    }

    /** The identity's limit of failures, from elsewhere. */
    private void throttle() {
        for (int i = 0; i < 3; i++) {
            failures.failed(ELSEWHERE, ID);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
