package io.hatchway.bench;

import java.util.Objects;
import java.util.Optional;

/**
 * How one simulated device connects.
 *
 * @param index    the device's index in the run, carried in every payload's id
 * @param name     the device name in the registry
 * @param clientId the MQTT client identifier
 * @param username the MQTT username ({@code device@app}), or empty for {@code --no-auth}
 * @param password the MQTT password, or empty for {@code --no-auth}
 */
public record DeviceLogin(int index, String name, String clientId, Optional<String> username,
                          Optional<String> password) {

    public DeviceLogin {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
        return "DeviceLogin[" + index + ", " + name + ", " + clientId + ", " + username.orElse("-") + ", ***]";
    }
}
