package io.hatchway.bench;

import io.hatchway.registry.Credential;
import io.hatchway.registry.Device;
import io.hatchway.registry.RegistryLoader;
import io.hatchway.registry.RegistrySnapshot;
import io.hatchway.registry.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryWriterTest {

    @Test
    void generatedRegistryIsAcceptedByHatchwaysLoaderWithEveryDeviceAndPassword(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("registry.yaml");
        List<DeviceLogin> devices = Fleet.generated(0, 3, "my-app", "pass-", false, "abcd1234");
        RegistryWriter.write(file, "my-app", devices);

        RegistrySnapshot registry = RegistryLoader.load(file);
        assertTrue(registry.application("my-app").isPresent());
        List<Device> loaded = registry.devices("my-app");
        assertEquals(List.of("dev-0", "dev-1", "dev-2"), loaded.stream().map(Device::name).toList());
        assertEquals(List.of(new Credential.Password(new Secret.Plain("pass-dev-1"))), loaded.get(1).credentials());
        assertEquals(Optional.of("dev-1@my-app"), devices.get(1).username());
    }

    @Test
    void namesThatNeedQuotingSurviveAndReadBackThroughRegistryIn(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("registry.yaml");
        DeviceLogin odd = new DeviceLogin(0, "dev@ice: #1 \"x\"", "c", Optional.of("u"),
                Optional.of("p: \\ 'q' #"));
        RegistryWriter.write(file, "'app'&\"one\"!", List.of(odd));

        List<DeviceLogin> read = Fleet.fromRegistry(file, "'app'&\"one\"!", 0, OptionalInt.empty(), "abcd1234");
        assertEquals(1, read.size());
        assertEquals("dev@ice: #1 \"x\"", read.get(0).name());
        assertEquals(Optional.of("dev%40ice: #1 \"x\"@'app'&\"one\"!"), read.get(0).username());
        assertEquals(Optional.of("p: \\ 'q' #"), read.get(0).password());
    }

    @Test
    void registryInRefusesTooFewDevices(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("registry.yaml");
        RegistryWriter.write(file, "my-app", Fleet.generated(0, 2, "my-app", "pass-", false, "abcd1234"));
        UsageException e = assertThrows(UsageException.class,
                () -> Fleet.fromRegistry(file, "my-app", 0, OptionalInt.of(3), "abcd1234"));
        assertEquals("--registry-in " + file + ": application my-app has 2 devices, 3 needed", e.getMessage());
    }

    @Test
    void firstDeviceShiftsGeneratedNamesAndSkipsRegistryDevicesSoThatTwoRunsUseDifferentDevices(@TempDir Path dir)
            throws Exception {
        List<DeviceLogin> generated = Fleet.generated(100, 2, "my-app", "pass-", false, "abcd1234");
        assertEquals(List.of("dev-100", "dev-101"), generated.stream().map(DeviceLogin::name).toList());
        assertEquals(Optional.of("pass-dev-101"), generated.get(1).password());

        Path file = dir.resolve("registry.yaml");
        RegistryWriter.write(file, "my-app", Fleet.generated(0, 5, "my-app", "pass-", false, "abcd1234"));
        assertEquals(List.of("dev-3", "dev-4"), Fleet.fromRegistry(file, "my-app", 3, OptionalInt.empty(), "abcd1234")
                .stream().map(DeviceLogin::name).toList());
        assertEquals(List.of("dev-1", "dev-2"), Fleet.fromRegistry(file, "my-app", 1, OptionalInt.of(2), "abcd1234")
                .stream().map(DeviceLogin::name).toList());
        UsageException e = assertThrows(UsageException.class,
                () -> Fleet.fromRegistry(file, "my-app", 4, OptionalInt.of(2), "abcd1234"));
        assertEquals("--registry-in " + file + ": application my-app has 5 devices, 6 needed", e.getMessage());
    }
}
