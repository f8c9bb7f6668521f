package io.hatchway.integration;

import io.hatchway.mqtt.Disconnector;
import io.hatchway.mqtt.Session;
import io.hatchway.mqtt.SessionState;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubAckMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * A backend's subscriptions to its application's events: {@code app/<app>} (every event: device events,
 * connection events, wills), {@code app/<app>/<channel>} (one channel, which may span levels), {@code app/<app>/#}
 * (every event, published on {@code app/<app>/<channel>}), {@code app/<app>/+} (the events of single-level
 * channels, likewise), each optionally shared as
 * {@code $share/<group>/...} (each event goes to one member of the group). QoS 0 and 1 are granted (2 is granted
 * as 1). Another application's topic: {@code 0x87} Not authorized; anything else: {@code 0x8F} Topic filter
 * invalid (MQTT 3.1.1: {@code 0x80}). Also takes the PUBACKs of QoS 1 events, ends a connection silent for 1.5
 * times its keep-alive (MQTT 5: DISCONNECT 0x8D) and unsubscribes everything when the connection closes.
 */
@ChannelHandler.Sharable
public final class BackendSubscriptions extends ChannelInboundHandlerAdapter {

    private static final String SHARE = "$share/";

    private final BackendServices services;

    public BackendSubscriptions(BackendServices services) {
        this.services = services;
    }

    /** A parsed filter: the hub's filter, the shared group (or null) and the topic events are published on. */
    private record Target(EventHub.Filter filter, String group, String topic) {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Backend backend = Backend.of(ctx.channel());
        if (backend == null || !(msg instanceof MqttMessage message)) {
            ctx.fireChannelRead(msg);
            return;
        }
        MqttMessageType type = message.fixedHeader().messageType();
        try {
            switch (type) {
                case SUBSCRIBE -> subscribe(ctx, backend, (MqttSubscribeMessage) message);
                case UNSUBSCRIBE -> unsubscribe(ctx, backend, (MqttUnsubscribeMessage) message);
                case PUBACK -> {
                    int packetId = ((MqttMessageIdVariableHeader) message.variableHeader()).messageId();
                    backend.acknowledged(packetId);
                }
                default -> {
                    ctx.fireChannelRead(msg);
                    return;
                }
            }
        } finally {
            if (type == MqttMessageType.SUBSCRIBE || type == MqttMessageType.UNSUBSCRIBE
                    || type == MqttMessageType.PUBACK) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private void subscribe(ChannelHandlerContext ctx, Backend backend, MqttSubscribeMessage subscribe) {
        Session session = Session.of(ctx.channel());
        List<Integer> codes = new ArrayList<>();
        for (MqttTopicSubscription request : subscribe.payload().topicSubscriptions()) {
            String filter = request.topicFilter();
            Target target = parse(filter);
            int code;
            if (target == null) {
                code = MqttReasonCodes.SubAck.TOPIC_FILTER_INVALID.byteValue() & 0xFF;
            } else if (!target.filter().application().equals(backend.application().name())) {
                code = MqttReasonCodes.SubAck.NOT_AUTHORIZED.byteValue() & 0xFF;
            } else {
                MqttQoS qos = request.qualityOfService() == MqttQoS.AT_MOST_ONCE ? MqttQoS.AT_MOST_ONCE
                        : MqttQoS.AT_LEAST_ONCE;
                Runnable previous = backend.subscriptions().remove(filter);
                if (previous != null) {
                    previous.run();
                }
                backend.subscriptions().put(filter, services.hub().subscribe(target.filter(), target.group(),
                        new BackendDelivery(ctx.channel(), backend, target.topic(), qos)));
                code = qos.value();
            }
            codes.add(session.isV5() || code < 0x80 ? code : 0x80);
        }
        ctx.writeAndFlush(new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(subscribe.variableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes.stream().mapToInt(Integer::intValue).toArray())));
    }

    private void unsubscribe(ChannelHandlerContext ctx, Backend backend, MqttUnsubscribeMessage unsubscribe) {
        List<Short> codes = new ArrayList<>();
        for (String filter : unsubscribe.payload().topics()) {
            Runnable subscription = backend.subscriptions().remove(filter);
            if (subscription != null) {
                subscription.run();
            }
            codes.add((short) (subscription != null ? MqttReasonCodes.UnsubAck.SUCCESS.byteValue()
                    : MqttReasonCodes.UnsubAck.NO_SUBSCRIPTION_EXISTED.byteValue()));
        }
        boolean v5 = Session.of(ctx.channel()).isV5();
        ctx.writeAndFlush(new MqttUnsubAckMessage(
                new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(unsubscribe.variableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                v5 ? new MqttUnsubAckPayload(codes) : null));
    }

    /** {@code [$share/<group>/]app/<application>[/<channel> | /# | /+]}, or null if it is none of these. */
    private static Target parse(String filter) {
        String group = null;
        String rest = filter;
        if (rest.startsWith(SHARE)) {
            int slash = rest.indexOf('/', SHARE.length());
            if (slash <= SHARE.length()) {
                return null;
            }
            group = rest.substring(SHARE.length(), slash);
            if (group.contains("+") || group.contains("#")) {
                return null;
            }
            rest = rest.substring(slash + 1);
        }
        String[] levels = rest.split("/", 3);
        if (levels.length < 2 || !levels[0].equals("app") || !plain(levels[1])) {
            return null;
        }
        String application = levels[1];
        if (levels.length == 2) {
            return new Target(new EventHub.Filter(application, null), group, "app/" + application);
        }
        String channel = levels[2];
        if (channel.equals("#")) {
            return new Target(new EventHub.Filter(application, null), group, null);
        }
        if (channel.equals("+")) {
            return new Target(new EventHub.Filter(application, null, true), group, null);
        }
        // A channel may span levels (plainTopic and template dialects): app/<app>/sensors/room1.
        for (String level : channel.split("/", -1)) {
            if (!plain(level)) {
                return null;
            }
        }
        return new Target(new EventHub.Filter(application, channel), group, rest);
    }

    private static boolean plain(String level) {
        return !level.isEmpty() && level.indexOf('+') < 0 && level.indexOf('#') < 0;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            Disconnector.disconnect(Session.of(ctx.channel()), MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT,
                    "nothing received for 1.5 times the keep-alive");
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Backend backend = Backend.of(ctx.channel());
        if (backend != null) {
            backend.subscriptions().values().forEach(Runnable::run);
            backend.subscriptions().clear();
        }
        Session.of(ctx.channel()).state(SessionState.CLOSING);
        ctx.fireChannelInactive();
    }
}
