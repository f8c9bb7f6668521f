package io.hatchway.mqtt;

import io.hatchway.commands.CommandFilter;
import io.hatchway.commands.CommandSubscriptions;
import io.hatchway.registry.Dialect;
import io.hatchway.registry.Registry;
import io.hatchway.registry.TopicFilters;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;

import java.util.Optional;

/**
 * Handles SUBSCRIBE: only command filters are served; commands are sent with QoS 0, so that is the QoS granted.
 * With the Drogue command inbox (see {@link CommandFilter}) and with a dialect's own command topic alike, a filter
 * for a device the connection may not act for is refused with 0x87 (MQTT 3.1.1: 0x80), a filter that can match no
 * command, or beyond {@code mqtt.maxTopicLength} or {@code maxTopicLevels}, with 0x8F Topic filter invalid (MQTT
 * 3.1.1: 0x80).
 */
@ChannelHandler.Sharable
public final class SubscribeHandler extends SimpleChannelInboundHandler<MqttSubscribeMessage> {

    private static final int FAILURE = 0x80;

    private final Registry registry;
    private final MqttLimits limits;

    public SubscribeHandler(Registry registry, MqttLimits limits) {
        this.registry = registry;
        this.limits = limits;
    }

    /**
     * A command-inbox filter: the entry, empty if it names a device the connection may not act for, null if it is
     * not a command filter.
     */
    private static Optional<CommandSubscriptions.Entry> inboxEntry(Session session, String filter) {
        Optional<CommandFilter> parsed = CommandFilter.parse(filter);
        if (parsed.isEmpty()) {
            return null;
        }
        if (parsed.get() instanceof CommandFilter.ForDevice forDevice) {
            return session.gateways().authorize(forDevice.device())
                    .map(device -> new CommandSubscriptions.Entry(forDevice, device));
        }
        return Optional.of(new CommandSubscriptions.Entry(parsed.get(), null));
    }

    /**
     * A filter for a dialect with its own command topic: accepted if it can match a rendered command topic; refused
     * as not authorized if it pins a device the connection may not act for; null if it can match no command.
     */
    private static Optional<CommandSubscriptions.Entry> templateEntry(Session session, String filter,
                                                                      Dialect.Template template) {
        if (!TopicFilters.isValidFilter(filter) || !TopicFilters.couldMatch(filter, template.commands())) {
            return null;
        }
        Optional<String> pinned = TopicFilters.deviceOf(filter, template.commands());
        if (pinned.isPresent() && session.gateways().authorize(pinned.get()).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new CommandSubscriptions.Entry(new CommandFilter.Matching(filter), pinned.orElse(null)));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttSubscribeMessage subscribe) {
        Session session = Session.of(ctx.channel());
        if (session.state() != SessionState.CONNECTED) {
            return;
        }
        CommandSubscriptions subscriptions = session.subscriptions();
        int[] codes = new int[subscribe.payload().topicSubscriptions().size()];
        int i = 0;
        Optional<Dialect.Template> template = session.dialect(registry.current()).commandTemplate();
        for (MqttTopicSubscription request : subscribe.payload().topicSubscriptions()) {
            String filter = request.topicFilter();
            Optional<CommandSubscriptions.Entry> entry = TopicLimits.violation(filter, limits) != null ? null
                    : template.isPresent() ? templateEntry(session, filter, template.get())
                    : inboxEntry(session, filter);
            int code;
            if (entry == null) {
                code = MqttReasonCodes.SubAck.TOPIC_FILTER_INVALID.byteValue() & 0xFF;
            } else if (entry.isEmpty()) {
                code = MqttReasonCodes.SubAck.NOT_AUTHORIZED.byteValue() & 0xFF;
            } else {
                subscriptions = subscriptions.with(filter, entry.get());
                code = MqttQoS.AT_MOST_ONCE.value();
            }
            codes[i++] = session.isV5() || code < FAILURE ? code : FAILURE;
        }
        session.subscriptions(subscriptions);
        ctx.writeAndFlush(new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(subscribe.variableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes)));
    }
}
