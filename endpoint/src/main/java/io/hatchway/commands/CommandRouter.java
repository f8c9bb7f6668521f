package io.hatchway.commands;

import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.mqtt.ConnectedDevices;
import io.hatchway.mqtt.Session;
import io.hatchway.dialect.TopicDialect;
import io.hatchway.registry.Device;
import io.hatchway.registry.Dialect;
import io.hatchway.registry.Registry;
import io.hatchway.registry.RegistrySnapshot;
import io.hatchway.registry.TopicFilters;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delivers a command to the connections subscribed for its device: the device's own connection if it subscribed
 * for itself, and the connection of every gateway the device lists in {@code gatewaySelector.matchNames} that
 * subscribed for it. Each connection gets it on the topic of its own dialect: the Drogue command inbox, or the
 * dialect's command template (with the command name as the MQTT 5 user property {@code command} when the template
 * has no {@code {command}} level). Commands go out with QoS 0. Thread-safe; may be called from any thread.
 */
public final class CommandRouter implements CommandBus {

    /** The MQTT 5 user property carrying the command name when the dialect's command topic has no place for it. */
    static final String COMMAND_PROPERTY = "command";

    private final Registry registry;
    private final ConnectedDevices devices;
    private final EndpointMetrics metrics;

    public CommandRouter(Registry registry, ConnectedDevices devices, EndpointMetrics metrics) {
        this.registry = registry;
        this.devices = devices;
        this.metrics = metrics;
    }

    /**
     * Sends command {@code command} to {@code deviceRef} (a device name or alias) of {@code application}. Completes
     * once the command was written to every recipient's socket (or the write failed because it closed).
     *
     * @param contentType carried as the MQTT 5 Content Type; may be null
     */
    @Override
    public CompletableFuture<Delivery> send(String application, String deviceRef, String command, byte[] payload,
                                            String contentType) {
        RegistrySnapshot snapshot = registry.current();
        if (snapshot.application(application).isEmpty()) {
            return done(Delivery.of(Delivery.Outcome.UNKNOWN_APPLICATION));
        }
        Optional<Device> found = snapshot.device(application, deviceRef);
        if (found.isEmpty()) {
            return done(Delivery.of(Delivery.Outcome.UNKNOWN_DEVICE));
        }
        Device device = found.get();
        List<ChannelFuture> writes = new ArrayList<>();
        devices.get(application, device.name())
                .ifPresent(session -> write(session, device.name(), command, payload, contentType, writes,
                        snapshot));
        for (String gateway : device.gateways()) {
            if (gateway.equals(device.name())) {
                continue;
            }
            devices.get(application, gateway)
                    .ifPresent(session -> write(session, device.name(), command, payload, contentType, writes,
                        snapshot));
        }
        if (writes.isEmpty()) {
            return done(Delivery.of(Delivery.Outcome.NOT_SUBSCRIBED));
        }
        CompletableFuture<Delivery> result = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(writes.size());
        AtomicInteger succeeded = new AtomicInteger();
        for (ChannelFuture write : writes) {
            write.addListener(f -> {
                if (f.isSuccess()) {
                    succeeded.incrementAndGet();
                }
                if (pending.decrementAndGet() == 0) {
                    int n = succeeded.get();
                    result.complete(n > 0 ? new Delivery(Delivery.Outcome.DELIVERED, n)
                            : Delivery.of(Delivery.Outcome.NOT_SUBSCRIBED));
                }
            });
        }
        return result.whenComplete((delivery, error) ->
                metrics.command(delivery != null && delivery.outcome() == Delivery.Outcome.DELIVERED));
    }

    private CompletableFuture<Delivery> done(Delivery delivery) {
        metrics.command(false);
        return CompletableFuture.completedFuture(delivery);
    }

    /** The encoded size of the command PUBLISH, rounding its two length fields up to their largest form. */
    private static long packetSize(String topic, byte[] payload, String contentType) {
        long properties = contentType == null ? 0 : 3 + ByteBufUtil.utf8Bytes(contentType);
        return 1 + 4 + 2 + ByteBufUtil.utf8Bytes(topic) + 4 + properties + payload.length;
    }

    private static void write(Session session, String device, String command, byte[] payload, String contentType,
                              List<ChannelFuture> writes, RegistrySnapshot snapshot) {
        Device self = session.device();
        if (self == null || !session.channel().isWritable()) {
            // Not established, or not reading what it was sent: don't pile up commands in memory.
            return;
        }
        Device current = snapshot.device(self.application(), self.name()).orElse(self);
        Optional<Dialect.Template> template = TopicDialect.of(snapshot.effectiveDialect(current)).commandTemplate();
        Optional<String> topic;
        boolean commandAsProperty = false;
        if (template.isPresent()) {
            topic = templateTopic(session, template.get(), device, command, snapshot);
            commandAsProperty = !template.get().commandInTopic();
        } else {
            topic = session.subscriptions().topicFor(self.name(), device, command);
        }
        if (topic.isEmpty() || packetSize(topic.get(), payload, contentType) > session.clientMaximumPacketSize()) {
            // Not subscribed, or the client said it cannot take a packet this large [MQTT-3.1.2-24].
            return;
        }
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (session.isV5() && (contentType != null || commandAsProperty)) {
            properties = new MqttProperties();
            if (contentType != null) {
                properties.add(new MqttProperties.StringProperty(
                        MqttProperties.MqttPropertyType.CONTENT_TYPE.value(), contentType));
            }
            if (commandAsProperty) {
                properties.add(new MqttProperties.UserProperty(COMMAND_PROPERTY, command));
            }
        }
        MqttPublishMessage publish = MqttMessageBuilders.publish().topicName(topic.get()).qos(MqttQoS.AT_MOST_ONCE)
                .retained(false).payload(Unpooled.wrappedBuffer(payload)).properties(properties).build();
        writes.add(session.channel().writeAndFlush(publish));
    }

    /**
     * The command topic one of the session's subscriptions matches: rendered with the device name, or with the
     * alias a subscription pinned at the device level when that alias designates the device.
     */
    private static Optional<String> templateTopic(Session session, Dialect.Template template, String device,
                                                  String command, RegistrySnapshot snapshot) {
        String application = session.device().application();
        for (CommandSubscriptions.Entry entry : session.subscriptions().byFilter().values()) {
            if (!(entry.filter() instanceof CommandFilter.Matching matching)) {
                continue;
            }
            String reference = entry.device() != null && snapshot.device(application, entry.device())
                    .map(d -> d.name().equals(device)).orElse(false) ? entry.device() : device;
            Optional<String> topic = rendered(template, reference, command)
                    .filter(t -> TopicFilters.filterMatches(matching.filter(), t));
            if (topic.isPresent()) {
                return topic;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> rendered(Dialect.Template template, String device, String command) {
        try {
            return Optional.of(template.commandTopic(device, command));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
