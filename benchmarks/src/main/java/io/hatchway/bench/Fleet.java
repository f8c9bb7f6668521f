package io.hatchway.bench;

import io.hatchway.registry.Credential;
import io.hatchway.registry.Device;
import io.hatchway.registry.RegistryException;
import io.hatchway.registry.RegistryLoader;
import io.hatchway.registry.Secret;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The devices of a run: generated ({@code dev-0 .. dev-N-1}, password {@code prefix + name}), or the devices of
 * one application read from a Hatchway registry with their plain {@code pass} passwords. Usernames are
 * {@code device@app} with the device part percent-encoded where Hatchway percent-decodes it ({@code %} and
 * {@code @}).
 */
public final class Fleet {

    private Fleet() {
    }

    /** {@code count} generated devices, {@code dev-first} onwards. */
    public static List<DeviceLogin> generated(int first, int count, String app, String passwordPrefix,
                                              boolean noAuth, String runId) {
        List<DeviceLogin> logins = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = "dev-" + (first + i);
            logins.add(login(i, name, app, noAuth ? null : passwordPrefix + name, runId));
        }
        return logins;
    }

    /**
     * {@code limit} devices of {@code app} in {@code registry} (all if empty) after skipping the first {@code skip},
     * in registry order.
     *
     * @throws UsageException if the registry is invalid, the application has too few devices, or a device has no
     *                        plain {@code pass} credential to log in with
     */
    public static List<DeviceLogin> fromRegistry(Path registry, String app, int skip, OptionalInt limit,
                                                 String runId) throws UsageException {
        List<Device> devices;
        try {
            devices = RegistryLoader.load(registry).devices(app);
        } catch (RegistryException e) {
            throw new UsageException("--registry-in: " + e.getMessage());
        }
        int count = limit.orElse(Math.max(devices.size() - skip, 0));
        if (count == 0 || devices.size() < skip + count) {
            throw new UsageException("--registry-in " + registry + ": application " + app + " has " + devices.size()
                    + " devices, " + (skip + Math.max(count, 1)) + " needed");
        }
        List<DeviceLogin> logins = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Device device = devices.get(skip + i);
            String password = plainPassword(device).orElseThrow(() -> new UsageException("--registry-in "
                    + registry + ": device " + device.name() + " has no plain pass credential to log in with"));
            logins.add(login(i, device.name(), app, password, runId));
        }
        return logins;
    }

    private static Optional<String> plainPassword(Device device) {
        for (Credential credential : device.credentials()) {
            if (credential instanceof Credential.Password password && password.secret() instanceof Secret.Plain p) {
                return Optional.of(p.value());
            }
        }
        return Optional.empty();
    }

    private static DeviceLogin login(int index, String name, String app, String password, String runId) {
        String clientId = "bench-" + runId + "-" + index;
        if (password == null) {
            return new DeviceLogin(index, name, clientId, Optional.empty(), Optional.empty());
        }
        return new DeviceLogin(index, name, clientId, Optional.of(encode(name) + "@" + app), Optional.of(password));
    }

    /** Percent-encodes what Hatchway decodes in the device part of a username: {@code %} and {@code @}. */
    static String encode(String deviceName) {
        return deviceName.replace("%", "%25").replace("@", "%40");
    }
}
