package io.hatchway.registry;

import java.util.function.Consumer;

/**
 * The source of applications and devices. Implementations swap in new content atomically; {@link #current()}
 * always returns a complete snapshot and never blocks.
 */
public interface Registry {

    /** The snapshot in force now. Throws {@link RegistryUnavailableException} when no registry content is available. */
    RegistrySnapshot current();

    /**
     * Registers a listener called (on an internal thread) after every new snapshot is swapped in. Listeners must
     * return quickly.
     */
    void onChange(Consumer<RegistrySnapshot> listener);
}
