package io.hatchway.mqtt;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * The connection of every connected device: at most one per device. Thread-safe.
 *
 * <p>Takeover: registering a session for a device that already has one replaces it and returns the previous
 * session, which the caller must disconnect. Unregistering removes a session only if it is still the registered
 * one, so a closing old connection never removes its successor.
 */
public final class ConnectedDevices {

    private record Key(String application, String device) {
    }

    private final ConcurrentMap<Key, Session> sessions = new ConcurrentHashMap<>();

    /** Registers an established session; returns the session it took over from, if any. */
    Optional<Session> register(Session session) {
        Session previous = sessions.put(key(session), session);
        return previous == session ? Optional.empty() : Optional.ofNullable(previous);
    }

    void unregister(Session session) {
        if (session.device() != null) {
            sessions.remove(key(session), session);
        }
    }

    public Optional<Session> get(String application, String device) {
        return Optional.ofNullable(sessions.get(new Key(application, device)));
    }

    /** Calls {@code action} for every registered session (a weakly consistent view). */
    public void forEach(Consumer<Session> action) {
        sessions.values().forEach(action);
    }

    public int size() {
        return sessions.size();
    }

    private static Key key(Session session) {
        return new Key(session.device().application(), session.device().name());
    }
}
