package io.hatchway.auth;

import io.hatchway.registry.Device;
import io.hatchway.registry.Registry;
import io.hatchway.registry.RegistrySnapshot;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, for one connection, on whose behalf its device may publish, and remembers the answers until the
 * registry changes. Not thread-safe: one instance per connection, used on its event loop.
 *
 * <p>A device may always publish for itself (by name or alias). It may publish for another device of its
 * application only when that device exists, is enabled, and lists the connected device in its
 * {@code gatewaySelector.matchNames}.
 */
public final class GatewayDecisions {

    private static final int MAX_CACHED = 1024;
    private static final String DENIED = new String("denied");

    private final Registry registry;
    private final String application;
    private final String self;
    /** Created at the first publish for another device: most connections publish only for themselves. */
    private Map<String, String> decisions;
    private long generation = -1;

    public GatewayDecisions(Registry registry, String application, String self) {
        this.registry = registry;
        this.application = application;
        this.self = self;
    }

    /**
     * The name of the device that {@code deviceRef} (a name or an alias written in a topic) designates, if the
     * connected device may publish for it.
     */
    public Optional<String> authorize(String deviceRef) {
        if (deviceRef.equals(self)) {
            return Optional.of(self);
        }
        RegistrySnapshot snapshot = registry.current();
        if (decisions == null) {
            decisions = new HashMap<>(4);
        }
        if (snapshot.generation() != generation) {
            decisions.clear();
            generation = snapshot.generation();
        }
        String decision = decisions.get(deviceRef);
        if (decision == null) {
            decision = decide(snapshot, deviceRef);
            if (decisions.size() >= MAX_CACHED) {
                decisions.clear();
            }
            decisions.put(deviceRef, decision);
        }
        return decision == DENIED ? Optional.empty() : Optional.of(decision);
    }

    private String decide(RegistrySnapshot snapshot, String deviceRef) {
        Optional<Device> target = snapshot.device(application, deviceRef);
        if (target.isEmpty()) {
            return DENIED;
        }
        Device device = target.get();
        if (device.name().equals(self)) {
            return self;
        }
        return !device.disabled() && device.acceptsGateway(self) ? device.name() : DENIED;
    }
}
