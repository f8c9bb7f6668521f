package io.hatchway.registry;

import java.util.List;
import java.util.Optional;

/**
 * One immutable, consistent view of the registry: a reload swaps in a whole new snapshot, so a reader never sees
 * half of a change. Look-ups are constant-time and safe from any thread.
 */
public interface RegistrySnapshot {

    /** Increases by one with every snapshot swapped in; lets holders of derived data tell that it is stale. */
    long generation();

    Optional<Application> application(String name);

    /** All applications, in registry order. */
    List<Application> applications();

    /** The device of {@code application} whose name or one of whose aliases is {@code nameOrAlias}. */
    Optional<Device> device(String application, String nameOrAlias);

    /** The devices of {@code application} in registry order; empty for an unknown application. */
    List<Device> devices(String application);

    /**
     * The device of {@code application} holding a {@code user} credential with {@code unique: true} and this
     * username.
     */
    Optional<Device> deviceByUniqueUsername(String application, String username);

    /**
     * The dialect {@code device}'s connections speak: its own {@code spec.mqtt.dialect}, else its application's in
     * this snapshot, else {@link Dialect#DROGUE_V1}.
     */
    default Dialect effectiveDialect(Device device) {
        if (device.dialect().isPresent()) {
            return device.dialect().get();
        }
        return application(device.application()).map(application -> application.mqtt().dialect())
                .orElse(Dialect.DROGUE_V1);
    }
}
