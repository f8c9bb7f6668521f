package io.hatchway.http;

import io.hatchway.mqtt.DevicePresence;
import io.hatchway.registry.Application;
import io.hatchway.registry.Device;
import io.hatchway.registry.Registry;
import io.hatchway.registry.RegistrySnapshot;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code GET /api/presence/v1alpha1/apps/{app}/devices/{device}}: {@code {"connected", "since", "lastSeen",
 * "online"}}, where online means connected and heard of within the application's offline threshold. A device never
 * seen by this instance answers {@code connected: false} with null times; an unknown application or device 404.
 */
public final class PresenceApi {

    private final Registry registry;
    private final DevicePresence presence;
    private final Function<Application, Duration> offlineThreshold;

    public PresenceApi(Registry registry, DevicePresence presence, Function<Application, Duration> offlineThreshold) {
        this.registry = registry;
        this.presence = presence;
        this.offlineThreshold = offlineThreshold;
    }

    void get(ChannelHandlerContext ctx, FullHttpRequest request, String application, String deviceRef) {
        RegistrySnapshot snapshot = registry.current();
        Optional<Application> app = snapshot.application(application);
        if (app.isEmpty()) {
            HttpResponses.message(ctx, request, HttpResponseStatus.NOT_FOUND,
                    "unknown application '" + application + "'");
            return;
        }
        Optional<Device> device = snapshot.device(application, deviceRef);
        if (device.isEmpty()) {
            HttpResponses.message(ctx, request, HttpResponseStatus.NOT_FOUND,
                    "unknown device '" + deviceRef + "' in application '" + application + "'");
            return;
        }
        Optional<DevicePresence.Status> status = presence.of(application, device.get().name());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("connected", status.map(DevicePresence.Status::connected).orElse(false));
        body.put("since", status.map(s -> s.since().toString()).orElse(null));
        body.put("lastSeen", status.map(s -> s.lastSeen().toString()).orElse(null));
        body.put("online", status.map(s -> s.online(Instant.now(), offlineThreshold.apply(app.get())))
                .orElse(false));
        HttpResponses.json(ctx, request, HttpResponseStatus.OK, body);
    }
}
