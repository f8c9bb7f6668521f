package io.hatchway.registry;

import static io.hatchway.registry.TestCertificates.NOW;
import static io.hatchway.registry.TestCertificates.intermediate;
import static io.hatchway.registry.TestCertificates.leaf;
import static io.hatchway.registry.TestCertificates.root;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.registry.AuthOutcome.Authenticated;
import io.hatchway.registry.AuthOutcome.Reason;
import io.hatchway.registry.AuthOutcome.Refused;
import io.hatchway.registry.TestCertificates.Issued;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class CertificateAuthenticatorTest {

    private static final Issued ROOT = root("CN=App Root CA,O=Acme");
    private static final Issued INTERMEDIATE = intermediate(ROOT, "CN=App Issuing CA,O=Acme");
    private static final Issued CLOSED_ROOT = root("CN=Closed Root CA,O=Closed");
    private static final Issued SHARED_ROOT = root("CN=Shared Root CA,O=Shared");
    private static final Issued UNTRUSTED_ROOT = root("CN=Untrusted Root CA,O=Elsewhere");
    private static final Issued SUB_ROOT = root("CN=Sub Root CA,O=Sub");
    private static final Issued SUB_INTERMEDIATE = intermediate(SUB_ROOT, "CN=Sub Issuing CA,O=Sub");
    private static final Issued TWIN_ROOT = root("CN=Twin Root CA,O=Twins");

    private static final String REGISTRY = """
            applications:
              - metadata: { name: closed }
                spec: { disabled: true, trustAnchors: [ <CLOSED_ROOT>, <SHARED_ROOT> ] }
              - metadata: { name: app }
                spec:
                  trustAnchors: [ <ROOT> ]
              - metadata: { name: shared-app }
                spec: { trustAnchors: [ <SHARED_ROOT> ] }
              - metadata: { name: sub-app }
                spec: { trustAnchors: [ <SUB_INTERMEDIATE> ] }
              - metadata: { name: no-anchors }
              - metadata: { name: twin-a }
                spec: { trustAnchors: [ <TWIN_ROOT> ] }
              - metadata: { name: twin-b }
                spec: { trustAnchors: [ <TWIN_ROOT> ] }
            devices:
              - metadata: { name: in-both, application: twin-a }
              - metadata: { name: in-both, application: twin-b }
              - metadata: { name: only-in-b, application: twin-b }
              - metadata: { name: device1, application: app }
                spec: { alias: [ serial-1 ] }
              - metadata: { name: by-dn, application: app }
                spec: { alias: [ "CN=sensor-7,O=Acme,C=DE", serial-7 ] }
              - metadata: { name: by-spelled-dn, application: app }
                spec: { alias: [ "cn=Sensor-8 ,  o=acme" ] }
              - metadata: { name: disabled-dev, application: app }
                spec: { disabled: true }
              - metadata: { name: device2, application: app }
              - metadata: { name: device1, application: closed }
              - metadata: { name: device1, application: shared-app }
              - metadata: { name: device1, application: sub-app }
              - metadata: { name: device1, application: no-anchors }
            """.replace("<CLOSED_ROOT>", CLOSED_ROOT.anchor()).replace("<SHARED_ROOT>", SHARED_ROOT.anchor())
            .replace("<SUB_INTERMEDIATE>", SUB_INTERMEDIATE.anchor()).replace("<ROOT>", ROOT.anchor())
            .replace("<TWIN_ROOT>", TWIN_ROOT.anchor());

    private static final Refused UNTRUSTED = new Refused(Reason.BAD_CREDENTIALS,
            "certificate not issued by a trusted application CA");
    private static final Refused MISMATCH = new Refused(Reason.BAD_CREDENTIALS,
            "username does not match the client certificate");

    private final TestRegistry registry = new TestRegistry(REGISTRY);
    private final MutableClock clock = new MutableClock(NOW);
    private final CountingExecutor executor = new CountingExecutor();
    private final CertificateAuthenticator authenticator = new CertificateAuthenticator(registry, executor, clock);

    @Test
    void leafDirectlyUnderTheApplicationCaAuthenticatesTheDeviceNamedByItsCommonName() {
        assertAuthenticated("app", "device1", authenticate(leaf(ROOT, "CN=device1,O=Acme")));
        assertEquals(1, executor.runs.get(), "validated on the executor");
    }

    @Test
    void applicationsSharingACaAuthenticateTheDeviceInTheApplicationThatHasIt() {
        assertAuthenticated("twin-b", "only-in-b", authenticate(leaf(TWIN_ROOT, "CN=only-in-b")));
        assertAuthenticated("twin-a", "in-both", authenticate(leaf(TWIN_ROOT, "CN=in-both")));
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "no device for certificate subject CN=nowhere"),
                authenticate(leaf(TWIN_ROOT, "CN=nowhere")));
    }

    @Test
    void subjectDnEqualToAnAliasIdentifiesTheDevice() {
        assertAuthenticated("app", "by-dn", authenticate(leaf(ROOT, "CN=sensor-7,O=Acme,C=DE")));
    }

    @Test
    void aliasSpellingTheSameDistinguishedNameDifferentlyIdentifiesTheDevice() {
        assertAuthenticated("app", "by-spelled-dn", authenticate(leaf(ROOT, "CN=sensor-8,O=Acme")));
    }

    @Test
    void commonNameMatchingOnlyAnAliasIdentifiesNoDevice() {
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "no device for certificate subject CN=serial-1,O=Acme"),
                authenticate(leaf(ROOT, "CN=serial-1,O=Acme")));
    }

    @Test
    void unknownSubjectIsRefusedNamingTheSubject() {
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "no device for certificate subject CN=ghost,O=Acme"),
                authenticate(leaf(ROOT, "CN=ghost,O=Acme")));
    }

    @Test
    void leafIssuedByAnIntermediateTheClientSendsAuthenticates() {
        Issued device = leaf(INTERMEDIATE, "CN=device1");
        assertAuthenticated("app", "device1", authenticate(device, INTERMEDIATE));
        assertAuthenticated("app", "device1", authenticate(device, INTERMEDIATE, ROOT));
        assertAuthenticated("app", "device1", authenticate(device, ROOT, UNTRUSTED_ROOT, INTERMEDIATE));
    }

    @Test
    void leafIssuedByAnIntermediateTheClientDoesNotSendIsRefused() {
        assertEquals(UNTRUSTED, authenticate(leaf(INTERMEDIATE, "CN=device1")));
    }

    @Test
    void intermediateCaAsTrustAnchorValidatesWhetherOrNotTheClientSendsIt() {
        Issued device = leaf(SUB_INTERMEDIATE, "CN=device1");
        assertAuthenticated("sub-app", "device1", authenticate(device));
        assertAuthenticated("sub-app", "device1", authenticate(device, SUB_INTERMEDIATE, SUB_ROOT));
    }

    @Test
    void expiredCertificateIsRefused() {
        Issued expired = leaf(ROOT, "CN=device1", NOW.minus(Duration.ofDays(30)), NOW.minusSeconds(1));
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "certificate expired"), authenticate(expired));
    }

    @Test
    void notYetValidCertificateIsRefused() {
        Issued future = leaf(ROOT, "CN=device1", NOW.plusSeconds(60), NOW.plus(Duration.ofDays(30)));
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "certificate not yet valid"), authenticate(future));
    }

    @Test
    void expiredIntermediateIsRefused() {
        Issued expiredCa = intermediate(ROOT, "CN=Old Issuing CA,O=Acme", NOW.minus(Duration.ofDays(30)),
                NOW.minusSeconds(1));
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "intermediate CA certificate expired"),
                authenticate(leaf(expiredCa, "CN=device1"), expiredCa));
    }

    @Test
    void certificateOfAnUnknownCaIsRefused() {
        assertEquals(UNTRUSTED, authenticate(leaf(UNTRUSTED_ROOT, "CN=device1")));
        assertEquals(UNTRUSTED, authenticate(leaf(UNTRUSTED_ROOT, "CN=device1"), UNTRUSTED_ROOT));
    }

    @Test
    void selfSignedLeafIsRefused() {
        assertEquals(UNTRUSTED, authenticate(TestCertificates.selfSigned("CN=device1")));
    }

    @Test
    void caWithTheTrustedCaNameButAnotherKeyIsRefused() {
        Issued impostor = root("CN=App Root CA,O=Acme");
        assertEquals(UNTRUSTED, authenticate(leaf(impostor, "CN=device1"), impostor));
        Issued expiredFromImpostor = leaf(impostor, "CN=device1", NOW.minus(Duration.ofDays(30)),
                NOW.minusSeconds(1));
        assertEquals(UNTRUSTED, authenticate(expiredFromImpostor), "says nothing about dates of untrusted chains");
    }

    @Test
    void leafWhoseIssuingCaSignedAsALeafIsRefused() {
        Issued notACa = leaf(ROOT, "CN=device2");
        assertEquals(UNTRUSTED, authenticate(leaf(notACa, "CN=device1"), notACa));
    }

    @Test
    void chainSignedOnlyByADisabledApplicationsAnchorIsRefusedAsDisabled() {
        assertEquals(new Refused(Reason.DISABLED, "application disabled"),
                authenticate(leaf(CLOSED_ROOT, "CN=device1")));
    }

    @Test
    void chainTrustedByADisabledAndAnEnabledApplicationAuthenticatesInTheEnabledOne() {
        assertAuthenticated("shared-app", "device1", authenticate(leaf(SHARED_ROOT, "CN=device1")));
    }

    @Test
    void disabledDeviceIsRefusedAsDisabled() {
        assertEquals(new Refused(Reason.DISABLED, "device disabled"),
                authenticate(leaf(ROOT, "CN=disabled-dev")));
    }

    @Test
    void leafWhoseExtendedKeyUsageExcludesClientAuthenticationIsRefused() {
        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "certificate not valid for TLS client authentication"),
                authenticate(leaf(ROOT, "CN=device1", KeyPurposeId.id_kp_serverAuth)));
        assertAuthenticated("app", "device1", authenticate(leaf(ROOT, "CN=device1", KeyPurposeId.id_kp_clientAuth)));
    }

    @Test
    void usernameNamingTheSameDeviceIsAccepted() {
        X509Certificate device1 = leaf(ROOT, "CN=device1").certificate();
        for (String username : List.of("device1@app", "serial-1@app", "device1", "serial-1", "")) {
            assertAuthenticated("app", "device1", authenticate(List.of(device1), username));
        }
        X509Certificate byDn = leaf(ROOT, "CN=sensor-7,O=Acme,C=DE").certificate();
        for (String username : List.of("by-dn@app", "serial-7@app", "by-dn", "serial-7",
                "CN%3Dsensor-7,O%3DAcme,C%3DDE@app")) {
            assertAuthenticated("app", "by-dn", authenticate(List.of(byDn), username));
        }
    }

    @Test
    void usernameNamingAnotherDeviceIsRefused() {
        X509Certificate device1 = leaf(ROOT, "CN=device1").certificate();
        for (String username : List.of("device2@app", "device2", "device1@shared-app", "device1@", "%zz@app",
                "ghost")) {
            assertEquals(MISMATCH, authenticate(List.of(device1), username), username);
        }
    }

    @Test
    void clientIdIsNotConsulted() {
        X509Certificate device1 = leaf(ROOT, "CN=device1").certificate();
        AuthOutcome outcome = authenticator.authenticate(List.of(device1), null, "device2@app").join();
        assertAuthenticated("app", "device1", outcome);
    }

    @Test
    void trustAnchorChangeAppliesToTheNextAuthentication() {
        Issued device = leaf(ROOT, "CN=device1");
        assertAuthenticated("app", "device1", authenticate(device));

        registry.updateSilently(REGISTRY.replace(ROOT.anchor(), UNTRUSTED_ROOT.anchor()));

        assertEquals(UNTRUSTED, authenticate(device));
        assertAuthenticated("app", "device1", authenticate(leaf(UNTRUSTED_ROOT, "CN=device1")));
    }

    @Test
    void cachedValidationIsReusedButTheClockStillCounts() {
        Issued device = leaf(ROOT, "CN=device1", NOW.minusSeconds(60), NOW.plusSeconds(60));
        assertAuthenticated("app", "device1", authenticate(device));
        assertAuthenticated("app", "device1", authenticate(device));
        assertEquals(1, authenticator.cachedValidations());

        clock.set(NOW.plusSeconds(61));

        assertEquals(new Refused(Reason.BAD_CREDENTIALS, "certificate expired"), authenticate(device));
    }

    @Test
    void cachedValidationStillChecksTheDevice() {
        Issued device = leaf(ROOT, "CN=device1");
        assertAuthenticated("app", "device1", authenticate(device));

        registry.updateSilently(REGISTRY.replace("""
                  - metadata: { name: device1, application: app }
                    spec: { alias: [ serial-1 ] }
                """, """
                  - metadata: { name: device1, application: app }
                    spec: { alias: [ serial-1 ], disabled: true }
                """));

        assertEquals(new Refused(Reason.DISABLED, "device disabled"), authenticate(device));
    }

    @Test
    void unavailableRegistryIsReportedAsUnavailable() {
        registry.failWith(new RegistryUnavailableException("down"));
        assertEquals(Reason.UNAVAILABLE,
                assertInstanceOf(Refused.class, authenticate(leaf(ROOT, "CN=device1"))).reason());
    }

    @Test
    void rejectingExecutorGivesUnavailableInsteadOfAnException() {
        CertificateAuthenticator rejecting = new CertificateAuthenticator(registry, task -> {
            throw new RejectedExecutionException("full");
        }, clock);
        AuthOutcome outcome = rejecting.authenticate(List.of(leaf(ROOT, "CN=device1").certificate()), null, null)
                .join();
        assertEquals(Reason.UNAVAILABLE, assertInstanceOf(Refused.class, outcome).reason());
    }

    @Test
    void emptyChainIsRefused() {
        assertEquals(Reason.BAD_CREDENTIALS, assertInstanceOf(Refused.class,
                authenticator.authenticate(List.of(), null, null).join()).reason());
    }

    private AuthOutcome authenticate(Issued leaf, Issued... sent) {
        X509Certificate[] chain = new X509Certificate[sent.length + 1];
        Arrays.setAll(chain, i -> i == 0 ? leaf.certificate() : sent[i - 1].certificate());
        return authenticate(List.of(chain), null);
    }

    private AuthOutcome authenticate(List<X509Certificate> chain, String username) {
        return authenticator.authenticate(chain, username, "client").join();
    }

    private static void assertAuthenticated(String application, String device, AuthOutcome outcome) {
        Authenticated authenticated = assertInstanceOf(Authenticated.class, outcome, outcome::toString);
        assertEquals(application, authenticated.application().name());
        assertEquals(device, authenticated.device().name());
        assertTrue(authenticated.application().trustAnchors().size() > 0);
    }

    /** Runs tasks on the calling thread and counts them. */
    private static final class CountingExecutor implements Executor {
        final AtomicInteger runs = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            runs.incrementAndGet();
            task.run();
        }
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
