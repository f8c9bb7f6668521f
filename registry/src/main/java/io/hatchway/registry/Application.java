package io.hatchway.registry;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * An application: the tenant that owns devices. Immutable; two applications are equal when their whole registry
 * entry is equal ({@link X509Certificate#equals} compares encodings), which is what caches use to tell that an entry
 * changed.
 *
 * @param name         the application name, unique in the registry
 * @param disabled     a disabled application refuses every device connection
 * @param trustAnchors the CA certificates ({@code spec.trustAnchors}) whose client certificates identify devices of
 *                     this application, in registry order; see {@link CertificateAuthenticator}
 * @param mqtt         its MQTT settings ({@code spec.mqtt}); {@link ApplicationMqtt#DEFAULTS} when not set
 * @param apiKeys      the keys backends use to read this application's events and send its commands
 *                     ({@code spec.apiKeys}), names unique
 */
public record Application(String name, boolean disabled, List<X509Certificate> trustAnchors, ApplicationMqtt mqtt,
                          List<ApiKey> apiKeys) {
    public Application {
        Objects.requireNonNull(name, "name");
        trustAnchors = List.copyOf(trustAnchors);
        Objects.requireNonNull(mqtt, "mqtt");
        apiKeys = List.copyOf(apiKeys);
    }

    /** An application without API keys. */
    public Application(String name, boolean disabled, List<X509Certificate> trustAnchors, ApplicationMqtt mqtt) {
        this(name, disabled, trustAnchors, mqtt, List.of());
    }

    /**
     * An API key of an application: it grants access to that application's events and commands only.
     *
     * @param name   the key's name, as backends give it ({@code name@application})
     * @param secret the key itself, plain or bcrypt-hashed
     */
    public record ApiKey(String name, Secret secret) {
        public ApiKey {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(secret, "secret");
        }
    }

    /** An application with the default MQTT settings. */
    public Application(String name, boolean disabled, List<X509Certificate> trustAnchors) {
        this(name, disabled, trustAnchors, ApplicationMqtt.DEFAULTS);
    }

    /** An application without trust anchors, with the default MQTT settings. */
    public Application(String name, boolean disabled) {
        this(name, disabled, List.of());
    }

    /** Names the anchors by subject instead of printing whole certificates. */
    @Override
    public String toString() {
        return "Application[name=" + name + ", disabled=" + disabled + ", trustAnchors="
                + trustAnchors.stream().map(anchor -> anchor.getSubjectX500Principal().getName()).toList()
                + ", mqtt=" + mqtt + ", apiKeys=" + apiKeys.stream().map(ApiKey::name).toList() + "]";
    }
}
