package io.hatchway.mqtt;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The connection of every connected device: at most one per device. Thread-safe.
 *
 * <p>Takeover: registering a session for a device that already has one keeps the session whose CONNECT arrived
 * last (see {@link #nextAttempt()}) and returns the other one, which the caller must disconnect: usually the
 * previous connection, but a slow authentication of an older CONNECT never evicts a newer connection.
 * Unregistering removes a session only if it is still the registered
 * one, so a closing old connection never removes its successor.
 */
public final class ConnectedDevices {

    private record Key(String application, String device) {
    }

    private final ConcurrentMap<Key, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong attempts = new AtomicLong();

    /** A number for a CONNECT that just arrived: later CONNECTs get larger numbers. */
    long nextAttempt() {
        return attempts.incrementAndGet();
    }

    /** Registers an authenticated session; returns the session that lost (the older attempt), if any. */
    Optional<Session> register(Session session) {
        return register(session, true, registered -> true);
    }

    /**
     * Registers an authenticated session. With {@code replace}, the newer CONNECT wins and the other session is
     * returned; without it, a registered session that is still {@code alive} stays and {@code session} itself is
     * returned as the loser.
     */
    Optional<Session> register(Session session, boolean replace, Predicate<Session> alive) {
        Session[] loser = new Session[1];
        sessions.compute(key(session), (key, registered) -> {
            if (registered == null || registered == session) {
                return session;
            }
            if (!replace && alive.test(registered)) {
                loser[0] = session;
                return registered;
            }
            boolean newer = session.attempt() > registered.attempt();
            loser[0] = newer ? registered : session;
            return newer ? session : registered;
        });
        return Optional.ofNullable(loser[0]);
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
