package io.hatchway.registry;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link RegistrySnapshot} built by {@link RegistryLoader}: immutable hash-map indices from (application, device
 * name or alias) and (application, unique username) to the device. Safe to share between threads.
 */
final class IndexedSnapshot implements RegistrySnapshot {

    private final long generation;
    private final Map<String, Application> applications;
    private final Map<String, Map<String, Device>> devicesByNameOrAlias;
    private final Map<String, Map<String, Device>> devicesByUniqueUsername;
    private final int deviceCount;

    /**
     * @param applications            applications by name
     * @param devicesByNameOrAlias    per application, each device under its name and under each of its aliases
     * @param devicesByUniqueUsername per application, devices under the usernames of their unique user credentials
     */
    IndexedSnapshot(long generation, Map<String, Application> applications,
                    Map<String, Map<String, Device>> devicesByNameOrAlias,
                    Map<String, Map<String, Device>> devicesByUniqueUsername) {
        this.generation = generation;
        this.applications = Collections.unmodifiableMap(new HashMap<>(applications));
        this.devicesByNameOrAlias = deepCopy(devicesByNameOrAlias);
        this.devicesByUniqueUsername = deepCopy(devicesByUniqueUsername);
        this.deviceCount = (int) this.devicesByNameOrAlias.values().stream()
                .flatMap(devices -> devices.values().stream())
                .map(device -> device.application() + "/" + device.name())
                .distinct()
                .count();
    }

    private IndexedSnapshot(IndexedSnapshot source, long generation) {
        this.generation = generation;
        this.applications = source.applications;
        this.devicesByNameOrAlias = source.devicesByNameOrAlias;
        this.devicesByUniqueUsername = source.devicesByUniqueUsername;
        this.deviceCount = source.deviceCount;
    }

    /** The same content under another generation number; the indices are shared, not copied. */
    IndexedSnapshot withGeneration(long newGeneration) {
        return new IndexedSnapshot(this, newGeneration);
    }

    int applicationCount() {
        return applications.size();
    }

    int deviceCount() {
        return deviceCount;
    }

    @Override
    public long generation() {
        return generation;
    }

    @Override
    public Optional<Application> application(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(applications.get(name));
    }

    @Override
    public Optional<Device> device(String application, String nameOrAlias) {
        return lookUp(devicesByNameOrAlias, application, nameOrAlias);
    }

    @Override
    public Optional<Device> deviceByUniqueUsername(String application, String username) {
        return lookUp(devicesByUniqueUsername, application, username);
    }

    private static Optional<Device> lookUp(Map<String, Map<String, Device>> index, String application, String key) {
        if (application == null || key == null) {
            return Optional.empty();
        }
        Map<String, Device> devices = index.get(application);
        return devices == null ? Optional.empty() : Optional.ofNullable(devices.get(key));
    }

    private static Map<String, Map<String, Device>> deepCopy(Map<String, Map<String, Device>> index) {
        Map<String, Map<String, Device>> copy = new HashMap<>();
        index.forEach((application, devices) -> copy.put(application,
                Collections.unmodifiableMap(new HashMap<>(devices))));
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public String toString() {
        return "RegistrySnapshot[generation=" + generation + ", applications=" + applications.size()
                + ", devices=" + deviceCount + "]";
    }
}
