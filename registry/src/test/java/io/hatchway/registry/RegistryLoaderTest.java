package io.hatchway.registry;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class RegistryLoaderTest {

    private static final String HASH = BCrypt.withDefaults().hashToString(4, "hashed".toCharArray());

    @TempDir
    Path dir;

    @Test
    void fullExampleLoadsEveryField() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec: { disabled: false }
                  - metadata: { name: other-app }
                    spec: { disabled: true }
                  - metadata:
                      name: bare-app
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: hey-rodney
                          - pass: { bcrypt: "HASH" }
                          - pass: { plain: also-plain }
                          - user: { username: foo, password: bar, unique: true }
                          - user: { username: baz, password: { bcrypt: "HASH" } }
                          - psk:
                              key: "AAECAw=="
                              validity: { notBefore: 2024-01-01T00:00:00Z, notAfter: "2025-01-01T00:00:00+01:00" }
                          - psk: { key: "BAU=" }
                      alias: [ "serial-1234", serial-5678 ]
                      gatewaySelector: { matchNames: [ gateway01 ] }
                      disabled: true
                  - metadata: { name: gateway01, application: my-app }
                  - metadata: { name: device1, application: other-app }
                """.replace("HASH", HASH));

        Device expected = new Device("my-app", "device1", true, List.of(
                new Credential.Password(new Secret.Plain("hey-rodney")),
                new Credential.Password(new Secret.Bcrypt(HASH)),
                new Credential.Password(new Secret.Plain("also-plain")),
                new Credential.User("foo", new Secret.Plain("bar"), true),
                new Credential.User("baz", new Secret.Bcrypt(HASH), false),
                new Credential.PreSharedKey(new byte[] {0, 1, 2, 3}, Instant.parse("2024-01-01T00:00:00Z"),
                        Instant.parse("2024-12-31T23:00:00Z")),
                new Credential.PreSharedKey(new byte[] {4, 5}, null, null)),
                List.of("serial-1234", "serial-5678"), Set.of("gateway01"));
        assertAll(
                () -> assertEquals(0, snapshot.generation()),
                () -> assertEquals(Optional.of(new Application("my-app", false)), snapshot.application("my-app")),
                () -> assertEquals(Optional.of(new Application("other-app", true)), snapshot.application("other-app")),
                () -> assertEquals(Optional.of(new Application("bare-app", false)), snapshot.application("bare-app")),
                () -> assertEquals(Optional.of(expected), snapshot.device("my-app", "device1")),
                () -> assertEquals(Optional.of(expected), snapshot.device("my-app", "serial-1234")),
                () -> assertEquals(Optional.of(expected), snapshot.device("my-app", "serial-5678")),
                () -> assertEquals(Optional.of(expected), snapshot.deviceByUniqueUsername("my-app", "foo")),
                () -> assertEquals(Optional.empty(), snapshot.deviceByUniqueUsername("my-app", "baz")),
                () -> assertEquals(Optional.empty(), snapshot.deviceByUniqueUsername("my-app", "device1")),
                () -> assertEquals(Optional.of(new Device("my-app", "gateway01", false, List.of(), List.of(),
                        Set.of())), snapshot.device("my-app", "gateway01")),
                () -> assertEquals(Optional.of(new Device("other-app", "device1", false, List.of(), List.of(),
                        Set.of())), snapshot.device("other-app", "device1")),
                () -> assertEquals(Optional.empty(), snapshot.device("other-app", "serial-1234")),
                () -> assertEquals(Optional.empty(), snapshot.device("no-app", "device1")),
                () -> assertEquals(Optional.empty(), snapshot.device(null, null)),
                () -> assertEquals(Optional.empty(), snapshot.application(null)));
    }

    @Test
    void emptyFileIsAnEmptyRegistry() throws Exception {
        assertEquals(Optional.empty(), load("").application("my-app"));
    }

    @Test
    void commentOnlyFileIsAnEmptyRegistry() throws Exception {
        assertEquals(Optional.empty(), load("# nothing yet\n").application("my-app"));
    }

    @Test
    void emptyMappingIsAnEmptyRegistry() throws Exception {
        assertEquals(Optional.empty(), load("{}\n").device("my-app", "device1"));
    }

    @Test
    void emptyListsAndNullSpecsAreAccepted() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials: []
                      alias:
                """);
        assertEquals(Optional.of(new Device("my-app", "device1", false, List.of(), List.of(), Set.of())),
                snapshot.device("my-app", "device1"));
    }

    @Test
    void messageNamesFileLineColumnAndFieldOnOneLine() throws IOException {
        RegistryException e = loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: hey-rodney
                          - pass: [ not, a, secret ]
                """);
        assertEquals(dir.resolve("registry.yaml") + ":9:19: devices[0].spec.authentication.credentials[1].pass: "
                + "expected a string or { bcrypt: ... } or { plain: ... }", e.getMessage());
        assertEquals(9, e.line());
        assertEquals(19, e.column());
        assertEquals("devices[0].spec.authentication.credentials[1].pass", e.field());
    }

    @Test
    void unknownTopLevelKeyIsRejectedAtTheKey() throws IOException {
        RegistryException e = loadFails("""
                applications: []
                device: []
                """);
        assertError(e, 2, "device", "unknown key; expected one of applications, devices");
        assertEquals(1, e.column());
    }

    @Test
    void unknownKeyInDeviceSpecIsRejectedWithItsPath() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      disabled: false
                      aliases: [ a ]
                """), 7, "devices[0].spec.aliases", "unknown key");
    }

    @Test
    void unknownKeyInUserCredentialIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - user: { username: foo, password: bar, uniq: true }
                """), 8, "devices[0].spec.authentication.credentials[0].user.uniq", "unknown key");
    }

    @Test
    void unknownKeyInMetadataIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app, labels: {} }
                """), 2, "applications[0].metadata.labels", "unknown key");
    }

    @Test
    void credentialWithTwoKindsIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: one
                          - pass: two
                            psk: { key: "AAAA" }
                """), 9, "devices[0].spec.authentication.credentials[1]", "expected exactly one of pass, user, psk");
    }

    @Test
    void credentialWithNoKindIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - {}
                """), 8, "devices[0].spec.authentication.credentials[0]", "expected exactly one of pass, user, psk");
    }

    @Test
    void passwordGivenAsNumberIsRejectedWithAHintToQuoteIt() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - user: { username: foo, password: 1234 }
                """), 8, "devices[0].spec.authentication.credentials[0].user.password", "quote a number");
    }

    @Test
    void secretMappingWithBothBcryptAndPlainIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: { plain: a, bcrypt: "HASH" }
                """.replace("HASH", HASH)), 8, "devices[0].spec.authentication.credentials[0].pass",
                "expected a string or { bcrypt: ... } or { plain: ... }");
    }

    @Test
    void deviceOfUnknownApplicationIsRejectedAtTheApplicationField() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                  - metadata:
                      name: device2
                      application: your-app
                """), 7, "devices[1].metadata.application", "unknown application");
    }

    @Test
    void devicesAreCheckedAgainstApplicationsListedAfterThem() throws Exception {
        RegistrySnapshot snapshot = load("""
                devices:
                  - metadata: { name: device1, application: my-app }
                applications:
                  - metadata: { name: my-app }
                """);
        assertTrue(snapshot.device("my-app", "device1").isPresent());
    }

    @Test
    void duplicateApplicationNameIsRejectedAtTheSecondDefinition() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                  - metadata: { name: other-app }
                  - metadata: { name: my-app }
                """), 4, "applications[2].metadata.name", "duplicate application name (first at line 2)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fleet/eu", "fleet+", "fleet#", "ops@fleet", "fleet:1", "my fleet", "fleet\\t",
            "my\u00A0fleet", "fleet\u200B", "\uFEFFfleet"})
    void applicationNameThatCannotBeATopicLevelOrALoginPartIsRejected(String name) throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: ok-app }
                  - metadata: { name: "%s" }
                """.formatted(name)), 3, "applications[1].metadata.name",
                "must not contain '/', '+', '#', '@', ':', spaces, control or format characters");
    }

    @Test
    void applicationNamesOfDrogueCloudAndOtherCharactersAreAccepted() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app.eu-1 }
                  - metadata: { name: "Fleet_Ünïcode" }
                """);
        assertTrue(snapshot.application("my-app.eu-1").isPresent());
        assertTrue(snapshot.application("Fleet_Ünïcode").isPresent());
    }

    @Test
    void duplicateDeviceNameWithinAnApplicationIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                  - metadata: { name: device2, application: my-app }
                  - metadata: { name: device1, application: my-app }
                """), 6, "devices[2].metadata.name", "duplicate device name");
    }

    @Test
    void sameDeviceNameInTwoApplicationsIsAccepted() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: app1 }
                  - metadata: { name: app2 }
                devices:
                  - metadata: { name: device1, application: app1 }
                    spec: { alias: [ serial ] }
                  - metadata: { name: device1, application: app2 }
                    spec: { alias: [ serial ] }
                """);
        assertEquals("app2", snapshot.device("app2", "serial").orElseThrow().application());
    }

    @Test
    void aliasEqualToAnotherDevicesNameIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      alias: [ serial-1, device2 ]
                  - metadata: { name: device2, application: my-app }
                """), 6, "devices[0].spec.alias[1]", "alias is already the name or an alias of device device2");
    }

    @Test
    void aliasEqualToAnotherDevicesAliasIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec: { alias: [ serial-1 ] }
                  - metadata: { name: device2, application: my-app }
                    spec:
                      alias:
                        - serial-2
                        - serial-1
                """), 10, "devices[1].spec.alias[1]", "alias is already the name or an alias of device device1");
    }

    @Test
    void duplicateUniqueUsernameWithinAnApplicationIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - user: { username: foo, password: a, unique: true }
                  - metadata: { name: device2, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - user: { username: foo, password: b, unique: true }
                """), 13, "devices[1].spec.authentication.credentials[0].user.username",
                "unique username is already used in application my-app (line 8)");
    }

    @Test
    void sameNonUniqueUsernameOnTwoDevicesIsAccepted() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - user: { username: foo, password: a, unique: true }
                  - metadata: { name: device2, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - user: { username: foo, password: b }
                """);
        assertEquals("device1", snapshot.deviceByUniqueUsername("my-app", "foo").orElseThrow().name());
    }

    @Test
    void invalidBase64PskKeyIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - psk:
                              key: "not base64!"
                """), 9, "devices[0].spec.authentication.credentials[0].psk.key", "expected base64");
    }

    @Test
    void pskTimestampThatIsNotRfc3339IsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - psk: { key: "AAAA", validity: { notBefore: "next tuesday" } }
                """), 8, "devices[0].spec.authentication.credentials[0].psk.validity.notBefore",
                "expected an RFC 3339 timestamp");
    }

    @Test
    void pskValidityEndingBeforeItStartsIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - psk:
                              key: "AAAA"
                              validity:
                                notBefore: 2025-01-01T00:00:00Z
                                notAfter: 2024-01-01T00:00:00Z
                """), 12, "devices[0].spec.authentication.credentials[0].psk.validity.notAfter",
                "is before notBefore");
    }

    @Test
    void trustAnchorsAreLoadedInRegistryOrderFromBlockAndQuotedPem() throws Exception {
        TestCertificates.Issued first = TestCertificates.root("CN=First CA,O=Acme");
        TestCertificates.Issued second = TestCertificates.root("CN=Second CA,O=Acme");
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      trustAnchors:
                        - certificate: |
                """ + first.pem().indent(12) + """
                        - certificate: SECOND
                  - metadata: { name: other-app }
                devices:
                  - metadata: { name: b, application: my-app }
                  - metadata: { name: a, application: my-app }
                """.replace("SECOND", "\"" + second.pem().replace("\n", "\\n") + "\""));

        Application expected = new Application("my-app", false, List.of(first.certificate(), second.certificate()));
        assertEquals(Optional.of(expected), snapshot.application("my-app"));
        assertEquals(List.of(expected, new Application("other-app", false)), snapshot.applications());
        assertEquals(List.of("b", "a"), snapshot.devices("my-app").stream().map(Device::name).toList());
        assertEquals(List.of(), snapshot.devices("other-app"));
        assertEquals(List.of(), snapshot.devices("no-app"));
        assertEquals("Application[name=my-app, disabled=false, trustAnchors=[CN=First CA,O=Acme, CN=Second CA,O=Acme],"
                + " mqtt=ApplicationMqtt[dialect=DrogueV1[], offlineThreshold=PT2M, takeover=REPLACE,"
                + " maxConnections=2147483647, maxPayloadSize=2147483647, rateLimit=Optional.empty], apiKeys=[]]",
                expected.toString());
    }

    @Test
    void trustAnchorThatIsNotACertificateIsRejectedWithItsPosition() throws IOException {
        String good = TestCertificates.root("CN=Good CA").pem().replace("\n", "\\n");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      trustAnchors:
                        - certificate: "GOOD"
                        - certificate: "-----BEGIN CERTIFICATE-----\\nTm90IGEgY2VydGlmaWNhdGU=\\n\
                            -----END CERTIFICATE-----"
                """.replace("GOOD", good)), 6, "applications[0].spec.trustAnchors[1].certificate",
                "not a valid X.509 certificate");
    }

    @Test
    void trustAnchorWithoutPemArmourIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { trustAnchors: [ { certificate: "MIIBkTCB+wIJAK" } ] }
                """), 3, "applications[0].spec.trustAnchors[0].certificate", "expected one PEM certificate");
    }

    @Test
    void trustAnchorWithTwoCertificatesIsRejected() throws IOException {
        String both = (TestCertificates.root("CN=A").pem() + TestCertificates.root("CN=B").pem())
                .replace("\n", "\\n");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { trustAnchors: [ { certificate: "BOTH" } ] }
                """.replace("BOTH", both)), 3, "applications[0].spec.trustAnchors[0].certificate",
                "holds 2 certificates; put each in its own trustAnchors entry");
    }

    @Test
    void duplicateTrustAnchorIsRejected() throws IOException {
        String pem = TestCertificates.root("CN=Twice").pem().replace("\n", "\\n");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      trustAnchors:
                        - certificate: "PEM"
                        - certificate: "PEM"
                """.replace("PEM", pem)), 6, "applications[0].spec.trustAnchors[1].certificate",
                "duplicate trust anchor (first at line 5)");
    }

    @Test
    void trustAnchorEntryWithUnknownOrMissingKeyIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      trustAnchors:
                        - pem: "-----BEGIN CERTIFICATE-----"
                """), 5, "applications[0].spec.trustAnchors[0].pem", "unknown key; expected one of certificate");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { trustAnchors: [ {} ] }
                """), 3, "applications[0].spec.trustAnchors[0].certificate", "required but missing");
    }

    @Test
    void unknownKeyInApplicationSpecIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { trustanchors: [] }
                """), 3, "applications[0].spec.trustanchors", "unknown key; expected one of disabled, trustAnchors");
    }

    @Test
    void malformedBcryptHashIsRejected() throws IOException {
        RegistryException e = loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: { bcrypt: "$2a$10$tooShort" }
                """);
        assertError(e, 8, "devices[0].spec.authentication.credentials[0].pass.bcrypt", "expected a bcrypt hash");
        assertFalse(e.getMessage().contains("tooShort"), e.getMessage());
    }

    @Test
    void bcryptHashOfUnsupportedVersionIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - user: { username: foo, password: { bcrypt: "HASH" } }
                """.replace("HASH", HASH.replace("$2a$", "$2x$"))), 8,
                "devices[0].spec.authentication.credentials[0].user.password.bcrypt", "expected a bcrypt hash");
    }

    @Test
    void bcryptHashesOfVersions2b2yAreAccepted() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: { bcrypt: "HASH_B" }
                          - pass: { bcrypt: "HASH_Y" }
                """.replace("HASH_B", HASH.replace("$2a$", "$2b$")).replace("HASH_Y", HASH.replace("$2a$", "$2y$")));
        assertEquals(2, snapshot.device("my-app", "device1").orElseThrow().credentials().size());
    }

    @Test
    void emptyDeviceNameIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: "", application: my-app }
                """), 4, "devices[0].metadata.name", "must not be empty");
    }

    @Test
    void nullApplicationNameIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata:
                      name:
                """), 3, "applications[0].metadata.name", "must not be empty");
    }

    @Test
    void emptyAliasIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec: { alias: [ "" ] }
                """), 5, "devices[0].spec.alias[0]", "must not be empty");
    }

    @Test
    void emptyPlainPasswordIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: ""
                """), 8, "devices[0].spec.authentication.credentials[0].pass", "must not be empty");
    }

    @Test
    void missingDeviceApplicationIsRejectedAtTheMetadata() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1 }
                """), 4, "devices[0].metadata.application", "required but missing");
    }

    @Test
    void unquotedYamlBooleanAsNameIsRejectedWithAHintToQuoteIt() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: off }
                """), 2, "applications[0].metadata.name", "expected a string (quote values such as on, off");
    }

    @Test
    void nonBooleanDisabledIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { disabled: "no" }
                """), 3, "applications[0].spec.disabled", "expected true or false");
    }

    @Test
    void devicesThatAreNotAListAreRejected() throws IOException {
        assertError(loadFails("""
                devices:
                  device1: {}
                """), 2, "devices", "expected a list");
    }

    @Test
    void duplicateKeyIsRejectedAtTheSecondOccurrence() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { disabled: true }
                    spec: { disabled: false }
                """), 4, "applications[0].spec", "duplicate key (first at line 3)");
    }

    @Test
    void yamlSyntaxErrorNamesItsLineWithoutQuotingTheContent() throws IOException {
        RegistryException e = loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: s3cret: oops
                """);
        assertEquals(8, e.line(), e.getMessage());
        assertTrue(e.problem().startsWith("invalid YAML"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void yamlAliasIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: &n my-app }
                  - metadata: { name: *n }
                """), 3, "applications[1].metadata.name", "YAML aliases are not supported");
    }

    @Test
    void secondYamlDocumentIsRejected() throws IOException {
        RegistryException e = loadFails("""
                applications: []
                ---
                devices: []
                """);
        assertEquals(3, e.line(), e.getMessage());
        assertEquals("only one YAML document is allowed", e.problem());
    }

    @Test
    void missingFileIsReportedWithoutPosition() {
        Path missing = dir.resolve("missing.yaml");
        RegistryException e = assertThrows(RegistryException.class, () -> RegistryLoader.load(missing));
        assertEquals(0, e.line());
        assertSame(missing, e.file());
        assertTrue(e.getMessage().startsWith(missing + ": cannot read"), e.getMessage());
    }

    private RegistrySnapshot load(String yaml) throws IOException, RegistryException {
        return RegistryLoader.load(Files.writeString(dir.resolve("registry.yaml"), yaml));
    }

    private RegistryException loadFails(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("registry.yaml"), yaml);
        return assertThrows(RegistryException.class, () -> RegistryLoader.load(file));
    }

    private void assertError(RegistryException e, int line, String field, String problem) {
        assertAll(e.getMessage(),
                () -> assertEquals(line, e.line(), "line"),
                () -> assertEquals(field, e.field(), "field"),
                () -> assertTrue(e.problem().contains(problem), "problem"),
                () -> assertTrue(e.getMessage().startsWith(dir.resolve("registry.yaml") + ":" + line + ":"),
                        "message names file and line"));
    }
}
