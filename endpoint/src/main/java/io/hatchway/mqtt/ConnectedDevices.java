package io.hatchway.mqtt;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Limits: a device that is not connected yet is registered only while fewer than {@code maxConnections}
 * devices are connected in all, and fewer than its application's {@code maxConnections}; a takeover replaces a
 * connection and so is never refused by a limit.
 */
public final class ConnectedDevices {

    /** The limit a registration ran into. */
    enum Limit {
        /** {@code mqtt.maxConnections}: the whole endpoint. */
        SERVER,
        /** The application's {@code spec.mqtt.maxConnections}. */
        APPLICATION
    }

    /**
     * What registering did.
     *
     * @param loser    the session that lost (the older attempt, or the newcomer under the reject policy), if any
     * @param exceeded the limit that kept the session out, if any (then nothing was registered)
     */
    record Registration(Optional<Session> loser, Optional<Limit> exceeded) {
    }

    private record Key(String application, String device) {
    }

    private final ConcurrentMap<Key, Session> sessions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> perApplication = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicLong attempts = new AtomicLong();
    private final int maxConnections;

    /** Without a limit on connected devices (other than the applications' own). */
    public ConnectedDevices() {
        this(Integer.MAX_VALUE);
    }

    /** @param maxConnections how many devices may be connected at once, in all */
    public ConnectedDevices(int maxConnections) {
        this.maxConnections = maxConnections;
    }


    /** A number for a CONNECT that just arrived: later CONNECTs get larger numbers. */
    long nextAttempt() {
        return attempts.incrementAndGet();
    }

    /** Registers an authenticated session; returns the session that lost (the older attempt), if any. */
    Optional<Session> register(Session session) {
        return register(session, true, registered -> true).loser();
    }

    /**
     * Registers an authenticated session. With {@code replace}, the newer CONNECT wins and the other session is
     * the loser; without it, a registered session that is still {@code alive} stays and {@code session} itself is
     * the loser. A device not connected yet is registered only within the limits.
     */
    Registration register(Session session, boolean replace, Predicate<Session> alive) {
        Session[] loser = new Session[1];
        Limit[] exceeded = new Limit[1];
        sessions.compute(key(session), (key, registered) -> {
            if (registered == session) {
                return session;
            }
            if (registered == null) {
                exceeded[0] = acquire(session);
                return exceeded[0] == null ? session : null;
            }
            if (!replace && alive.test(registered)) {
                loser[0] = session;
                return registered;
            }
            boolean newer = session.attempt() > registered.attempt();
            loser[0] = newer ? registered : session;
            return newer ? session : registered;
        });
        return new Registration(Optional.ofNullable(loser[0]), Optional.ofNullable(exceeded[0]));
    }

    /** Takes a place for a newly connected device; the limit in the way, or null. */
    private Limit acquire(Session session) {
        if (!increment(total, maxConnections)) {
            return Limit.SERVER;
        }
        AtomicInteger application = perApplication.computeIfAbsent(session.device().application(),
                name -> new AtomicInteger());
        if (!increment(application, session.application().mqtt().maxConnections())) {
            total.decrementAndGet();
            return Limit.APPLICATION;
        }
        return null;
    }

    private static boolean increment(AtomicInteger count, int limit) {
        for (int current = count.get(); current < limit; current = count.get()) {
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
        return false;
    }

    void unregister(Session session) {
        if (session.device() == null) {
            return;
        }
        // The place is given back under the key's lock: the same device reconnecting at the limit finds it free.
        sessions.computeIfPresent(key(session), (key, registered) -> {
            if (registered != session) {
                return registered;
            }
            total.decrementAndGet();
            perApplication.get(session.device().application()).decrementAndGet();
            return null;
        });
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
