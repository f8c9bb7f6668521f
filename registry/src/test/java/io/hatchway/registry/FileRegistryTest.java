package io.hatchway.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryTest {

    private static final String ONE_DEVICE = """
            applications:
              - metadata: { name: my-app }
            devices:
              - metadata: { name: device1, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: first-secret
            """;

    private static final String TWO_DEVICES = ONE_DEVICE + """
              - metadata: { name: device2, application: my-app }
            """;

    @TempDir
    Path dir;

    @Test
    void openFailsWhenTheFileIsInvalid() throws IOException {
        Path file = Files.writeString(dir.resolve("registry.yaml"), "devices:\n  - metadata: { name: d }\n");
        RegistryException e = assertThrows(RegistryException.class, () -> FileRegistry.open(file));
        assertEquals("devices[0].metadata.application", e.field());
    }

    @Test
    void openFailsWhenTheFileIsMissing() {
        assertThrows(RegistryException.class, () -> FileRegistry.open(dir.resolve("missing.yaml")));
    }

    @Test
    void firstSnapshotHasGenerationOne() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.yaml"), ONE_DEVICE);
        try (FileRegistry registry = FileRegistry.open(file)) {
            assertEquals(1, registry.current().generation());
            assertTrue(registry.current().device("my-app", "device1").isPresent());
        }
    }

    @Test
    void editedFileIsSwappedInWithTheNextGenerationAndListenersAreCalled() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.yaml"), ONE_DEVICE);
        try (FileRegistry registry = FileRegistry.open(file)) {
            List<RegistrySnapshot> seen = new CopyOnWriteArrayList<>();
            registry.onChange(seen::add);

            Files.writeString(file, TWO_DEVICES);

            waiting().until(() -> registry.current().device("my-app", "device2").isPresent());
            assertEquals(2, registry.current().generation());
            waiting().until(() -> seen.size() == 1);
            assertEquals(registry.current(), seen.get(0));
        }
    }

    @Test
    void passwordChangeInTheFileTakesEffectForAuthentication() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.yaml"), ONE_DEVICE);
        try (FileRegistry registry = FileRegistry.open(file)) {
            PasswordAuthenticator authenticator = new PasswordAuthenticator(registry, Runnable::run);
            assertInstanceOf(AuthOutcome.Authenticated.class, authenticate(authenticator, "first-secret"));

            Files.writeString(file, ONE_DEVICE.replace("first-secret", "second-secret"));

            waiting().until(() -> authenticate(authenticator, "second-secret") instanceof AuthOutcome.Authenticated);
            assertInstanceOf(AuthOutcome.Refused.class, authenticate(authenticator, "first-secret"));
        }
    }

    @Test
    void trustAnchorChangeInTheFileTakesEffectForCertificateAuthentication() throws Exception {
        TestCertificates.Issued oldCa = TestCertificates.root("CN=Old CA");
        TestCertificates.Issued newCa = TestCertificates.root("CN=New CA");
        X509Certificate oldDevice = TestCertificates.leaf(oldCa, "CN=device1").certificate();
        X509Certificate newDevice = TestCertificates.leaf(newCa, "CN=device1").certificate();
        String withAnchor = ONE_DEVICE.replace("  - metadata: { name: my-app }\n",
                "  - metadata: { name: my-app }\n    spec: { trustAnchors: [ ANCHOR ] }\n");
        Path file = Files.writeString(dir.resolve("registry.yaml"), withAnchor.replace("ANCHOR", oldCa.anchor()));
        try (FileRegistry registry = FileRegistry.open(file)) {
            CertificateAuthenticator authenticator = new CertificateAuthenticator(registry, Runnable::run);
            assertInstanceOf(AuthOutcome.Authenticated.class, authenticator.authenticate(List.of(oldDevice), null,
                    null).join());

            Files.writeString(file, withAnchor.replace("ANCHOR", newCa.anchor()));

            waiting().until(() -> authenticator.authenticate(List.of(newDevice), null, null).join()
                    instanceof AuthOutcome.Authenticated);
            assertEquals(new AuthOutcome.Refused(AuthOutcome.Reason.BAD_CREDENTIALS,
                    CertificateAuthenticator.UNTRUSTED_MESSAGE),
                    authenticator.authenticate(List.of(oldDevice), null, null).join());
        }
    }

    @Test
    void invalidEditKeepsThePreviousSnapshotUntilTheFileIsFixed() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.yaml"), ONE_DEVICE);
        try (FileRegistry registry = FileRegistry.open(file)) {
            List<RegistrySnapshot> seen = new CopyOnWriteArrayList<>();
            registry.onChange(seen::add);

            Files.writeString(file, TWO_DEVICES.replace("{ name: device2, application: my-app }",
                    "{ name: device2, application: no-app }"));

            waiting().until(() -> registry.lastError().isPresent());
            assertEquals("devices[1].metadata.application", registry.lastError().get().field());
            assertEquals(1, registry.current().generation());
            assertFalse(registry.current().device("my-app", "device2").isPresent());
            assertTrue(registry.current().device("my-app", "device1").isPresent());

            Files.writeString(file, TWO_DEVICES);

            waiting().until(() -> registry.current().device("my-app", "device2").isPresent());
            assertEquals(2, registry.current().generation());
            assertTrue(registry.lastError().isEmpty());
            waiting().until(() -> seen.size() == 1);
            assertEquals(2, seen.get(0).generation());
        }
    }

    @Test
    void fileReplacedByRenameIsReloaded() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.yaml"), ONE_DEVICE);
        try (FileRegistry registry = FileRegistry.open(file)) {
            Path temporary = Files.writeString(dir.resolve(".registry.yaml.swp"), TWO_DEVICES);

            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

            waiting().until(() -> registry.current().device("my-app", "device2").isPresent());
        }
    }

    @Test
    void kubernetesStyleSymlinkSwapIsReloaded() throws Exception {
        // A ConfigMap volume: registry.yaml -> ..data/registry.yaml, ..data -> ..<timestamp>, swapped by renaming a
        // new ..data_tmp link over ..data.
        Path first = Files.createDirectory(dir.resolve("..2024_01_01_first"));
        Files.writeString(first.resolve("registry.yaml"), ONE_DEVICE, UTF_8);
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("registry.yaml"), Path.of("..data", "registry.yaml"));
        try (FileRegistry registry = FileRegistry.open(file)) {
            Path second = Files.createDirectory(dir.resolve("..2024_01_02_second"));
            Files.writeString(second.resolve("registry.yaml"), TWO_DEVICES, UTF_8);
            Path link = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());

            Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

            waiting().until(() -> registry.current().device("my-app", "device2").isPresent());
            assertEquals(2, registry.current().generation());
        }
    }

    @Test
    void editIsPickedUpWhileAnotherFileInTheDirectoryIsWrittenContinuously() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.yaml"), ONE_DEVICE);
        Path log = dir.resolve("events.jsonl");
        try (FileRegistry registry = FileRegistry.open(file)) {
            Thread writer = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Files.writeString(log, "{}\n", UTF_8, java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.APPEND);
                        Thread.sleep(10);
                    }
                } catch (IOException | InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            writer.start();
            try {
                Files.writeString(file, TWO_DEVICES);
                waiting().until(() -> registry.current().device("my-app", "device2").isPresent());
            } finally {
                writer.interrupt();
                writer.join();
            }
        }
    }

    @Test
    void closeStopsTheWatcherThread() throws Exception {
        Path file = Files.writeString(dir.resolve("registry.yaml"), ONE_DEVICE);
        FileRegistry registry = FileRegistry.open(file);
        assertTrue(watcherThreadAlive());

        registry.close();

        assertFalse(watcherThreadAlive());
        assertTrue(registry.current().device("my-app", "device1").isPresent(), "last snapshot stays available");
    }

    private static boolean watcherThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("hatchway-registry-watcher") && t.isAlive());
    }

    private static AuthOutcome authenticate(PasswordAuthenticator authenticator, String password) {
        return authenticator.authenticate("device1@my-app", password.getBytes(UTF_8), "client").join();
    }

    private static ConditionFactory waiting() {
        return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20));
    }
}
