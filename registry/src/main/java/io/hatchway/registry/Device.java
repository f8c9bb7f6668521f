package io.hatchway.registry;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A device of an application. Immutable; two devices are equal when their whole registry entry is equal, which
 * is what caches use to tell that an entry changed.
 *
 * @param application  the owning application's name
 * @param name         the device name, unique within the application
 * @param disabled     a disabled device cannot connect, and nobody can publish on its behalf
 * @param credentials  the ways the device may authenticate, in registry order
 * @param aliases      other names this device is known by (unique within the application)
 * @param gateways     names of the devices allowed to act on behalf of this one ({@code gatewaySelector.matchNames})
 * @param dialect      the device's own dialect ({@code spec.mqtt.dialect}), overriding its application's; see
 *                     {@link RegistrySnapshot#effectiveDialect}
 */
public record Device(String application, String name, boolean disabled, List<Credential> credentials,
                     List<String> aliases, Set<String> gateways, Optional<Dialect> dialect) {
    public Device {
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(name, "name");
        credentials = List.copyOf(credentials);
        aliases = List.copyOf(aliases);
        gateways = Set.copyOf(gateways);
        Objects.requireNonNull(dialect, "dialect");
    }

    /** A device that uses its application's dialect. */
    public Device(String application, String name, boolean disabled, List<Credential> credentials,
                  List<String> aliases, Set<String> gateways) {
        this(application, name, disabled, credentials, aliases, gateways, Optional.empty());
    }

    /** Whether {@code gateway} (a device name of the same application) may act on behalf of this device. */
    public boolean acceptsGateway(String gateway) {
        return gateways.contains(gateway);
    }
}
