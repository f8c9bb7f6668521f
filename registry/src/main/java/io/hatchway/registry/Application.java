package io.hatchway.registry;

import java.util.Objects;

/**
 * An application: the tenant that owns devices. Immutable.
 *
 * @param name     the application name, unique in the registry
 * @param disabled a disabled application refuses every device connection
 */
public record Application(String name, boolean disabled) {
    public Application {
        Objects.requireNonNull(name, "name");
    }
}
