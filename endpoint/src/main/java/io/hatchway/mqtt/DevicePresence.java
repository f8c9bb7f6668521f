package io.hatchway.mqtt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether a device is connected, since when, and when it was last heard of. Connected devices are answered from
 * their live session (its last inbound packet); for devices whose connection ended, the end is remembered for a
 * while (bounded, most recent first). Thread-safe.
 */
public final class DevicePresence {

    /**
     * @param connected whether a connection of the device is open
     * @param since     when it connected, or when its last connection ended
     * @param lastSeen  when the device last sent a packet
     */
    public record Status(boolean connected, Instant since, Instant lastSeen) {
        /** Connected and heard of within {@code threshold} of {@code now}. */
        public boolean online(Instant now, Duration threshold) {
            return connected && !lastSeen.plus(threshold).isBefore(now);
        }
    }

    private record DeviceKey(String application, String device) {
    }

    private final ConnectedDevices devices;
    private final Cache<DeviceKey, Status> ended = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofDays(7)).build();

    public DevicePresence(ConnectedDevices devices) {
        this.devices = devices;
    }

    void connected(Session session) {
        ended.invalidate(new DeviceKey(session.application().name(), session.device().name()));
    }

    void disconnected(Session session) {
        ended.put(new DeviceKey(session.application().name(), session.device().name()),
                new Status(false, Instant.now(), session.lastSeen()));
    }

    /** The status of a device, or empty if it has not connected to this instance recently. */
    public Optional<Status> of(String application, String device) {
        Optional<Session> live = devices.get(application, device);
        if (live.isPresent()) {
            Session session = live.get();
            return Optional.of(new Status(true, session.connectedSince(), session.lastSeen()));
        }
        return Optional.ofNullable(ended.getIfPresent(new DeviceKey(application, device)));
    }
}
