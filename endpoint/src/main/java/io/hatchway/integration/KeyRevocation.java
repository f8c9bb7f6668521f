package io.hatchway.integration;

import io.hatchway.registry.Application;
import io.hatchway.registry.Registry;
import io.hatchway.registry.RegistrySnapshot;
import io.netty.channel.Channel;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * Applies a registry change to open backend connections (MQTT integration and event streams): one whose API key no
 * longer grants its application (the key removed or changed, the application removed or disabled) ends at once,
 * instead of following events until it reconnects. Registered as a registry change listener; thread-safe.
 */
public final class KeyRevocation implements Consumer<RegistrySnapshot> {

    /** What a connection authenticated with, and how it ends (with a reason, from any thread). */
    private record Grant(String application, Application.ApiKey key, Consumer<String> end) {
    }

    private final Registry registry;
    private final ConcurrentMap<Channel, Grant> open = new ConcurrentHashMap<>();

    /** Checks new connections against {@code registry}; call {@link #accept} on its changes. */
    public KeyRevocation(Registry registry) {
        this.registry = registry;
    }

    /** Notes a backend connection authenticated with {@code keyName} of {@code application}, until it closes. */
    public void opened(Channel channel, Application application, String keyName, Consumer<String> end) {
        Optional<Application.ApiKey> key = application.apiKeys().stream()
                .filter(k -> k.name().equals(keyName)).findFirst();
        if (key.isEmpty()) {
            end.accept("API key '" + keyName + "' is no longer in the registry");
            return;
        }
        Grant grant = new Grant(application.name(), key.get(), end);
        open.put(channel, grant);
        channel.closeFuture().addListener(closed -> open.remove(channel));
        // The application was read when the key was verified: a change since may have passed this connection by.
        RegistrySnapshot now;
        try {
            now = registry.current();
        } catch (RuntimeException unavailable) {
            return; // the next change reaches it
        }
        check(channel, grant, now);
    }

    @Override
    public void accept(RegistrySnapshot snapshot) {
        open.forEach((channel, grant) -> check(channel, grant, snapshot));
    }

    private void check(Channel channel, Grant grant, RegistrySnapshot snapshot) {
        boolean granted = snapshot.application(grant.application()).filter(app -> !app.disabled())
                .map(app -> app.apiKeys().contains(grant.key())).orElse(false);
        if (!granted && open.remove(channel, grant)) {
            grant.end().accept("API key '" + grant.key().name() + "' was removed or changed, or application '"
                    + grant.application() + "' was removed or disabled");
        }
    }
}
