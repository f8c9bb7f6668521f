package io.hatchway.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link RegistrySnapshot} built by {@link RegistryLoader}: immutable hash-map indices from (application, device
 * name or alias) and (application, unique username) to the device. Safe to share between threads.
 */
final class IndexedSnapshot implements RegistrySnapshot {

    private final long generation;
    private final List<Application> applicationList;
    private final Map<String, Application> applications;
    private final Map<String, List<Device>> devicesByApplication;
    private final Map<String, Map<String, Device>> devicesByNameOrAlias;
    private final Map<String, Map<String, Device>> devicesByUniqueUsername;
    private final int deviceCount;

    /**
     * @param applications            all applications, in registry order, with unique names
     * @param devices                 all devices, in registry order
     * @param devicesByNameOrAlias    per application, each device under its name and under each of its aliases
     * @param devicesByUniqueUsername per application, devices under the usernames of their unique user credentials
     */
    IndexedSnapshot(long generation, List<Application> applications, List<Device> devices,
                    Map<String, Map<String, Device>> devicesByNameOrAlias,
                    Map<String, Map<String, Device>> devicesByUniqueUsername) {
        this.generation = generation;
        this.applicationList = List.copyOf(applications);
        Map<String, Application> byName = new HashMap<>();
        applications.forEach(application -> byName.put(application.name(), application));
        this.applications = Collections.unmodifiableMap(byName);
        Map<String, List<Device>> byApplication = new LinkedHashMap<>();
        devices.forEach(device -> byApplication.computeIfAbsent(device.application(), a -> new ArrayList<>())
                .add(device));
        byApplication.replaceAll((application, list) -> List.copyOf(list));
        this.devicesByApplication = Collections.unmodifiableMap(byApplication);
        this.devicesByNameOrAlias = deepCopy(devicesByNameOrAlias);
        this.devicesByUniqueUsername = deepCopy(devicesByUniqueUsername);
        this.deviceCount = devices.size();
    }

    private IndexedSnapshot(IndexedSnapshot source, long generation) {
        this.generation = generation;
        this.applicationList = source.applicationList;
        this.applications = source.applications;
        this.devicesByApplication = source.devicesByApplication;
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
    public List<Application> applications() {
        return applicationList;
    }

    @Override
    public Optional<Device> device(String application, String nameOrAlias) {
        return lookUp(devicesByNameOrAlias, application, nameOrAlias);
    }

    @Override
    public List<Device> devices(String application) {
        return application == null ? List.of() : devicesByApplication.getOrDefault(application, List.of());
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
