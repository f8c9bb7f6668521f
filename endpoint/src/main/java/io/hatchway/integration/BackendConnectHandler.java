package io.hatchway.integration;

import io.hatchway.auth.AuthFailures;
import io.hatchway.mqtt.Disconnector;
import io.hatchway.mqtt.ProtocolGuard;
import io.hatchway.mqtt.Session;
import io.hatchway.mqtt.SessionState;
import io.hatchway.registry.ApiKeyAuthenticator;
import io.hatchway.registry.AuthOutcome;
import io.hatchway.transport.HandlerNames;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.InetAddress;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * CONNECT on the integration listener: user name {@code <key-name>@<application>}, password the API key. The key
 * grants its application's events and commands only. An MQTT 5 CONNECT with the user property
 * {@code content-mode=binary} gets events in binary content mode. Refusals as on the device listeners: bad key
 * {@code 0x04}/{@code 0x86} (after {@code mqtt.authFailureDelay}), disabled application {@code 0x05}/{@code 0x87},
 * registry unavailable {@code 0x03}/{@code 0x88}, too many failures {@code 0x03}/{@code 0x9F}, clean session false
 * {@code 0x02}/{@code 0x83}.
 */
@ChannelHandler.Sharable
public final class BackendConnectHandler extends SimpleChannelInboundHandler<MqttConnectMessage> {

    /** The CONNECT user property asking for binary content mode (CloudEvents MQTT binding, MQTT 5 only). */
    static final String CONTENT_MODE = "content-mode";

    private final BackendServices services;

    public BackendConnectHandler(BackendServices services) {
        this.services = services;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttConnectMessage connect) {
        Session session = Session.of(ctx.channel());
        MqttVersion version = MqttVersion.fromProtocolNameAndLevel(connect.variableHeader().name(),
                (byte) connect.variableHeader().version());
        session.version(version);
        session.state(SessionState.AUTHENTICATING);
        if (!connect.variableHeader().isCleanSession()) {
            Disconnector.refuse(session, version, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_IMPLEMENTATION_SPECIFIC,
                    "clean session / clean start must be true: Hatchway keeps no session state");
            return;
        }
        ctx.channel().config().setAutoRead(false);
        long arrived = ctx.executor().ticker().nanoTime();
        String login = connect.payload().userName();
        InetAddress address = AuthFailures.addressOf(ctx.channel());
        MqttProperties properties = connect.variableHeader().properties();
        boolean binary = version == MqttVersion.MQTT_5 && asksForBinary(properties);
        int receiveMaximum = intProperty(properties, MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM, 65_535);
        long maximumPacketSize = intProperty(properties, MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE, -1)
                & 0xFFFFFFFFL;
        int keepAlive = services.settings().limits().keepAlive(connect.variableHeader().keepAliveTimeSeconds());
        String clientId = connect.payload().clientIdentifier();
        byte[] key = connect.payload().passwordInBytes();
        if (services.authFailures().throttled(address, login, key, false)) {
            refuseLater(session, arrived, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED,
                    "too many failed authentications from this address or for this identity, try again later");
            return;
        }
        services.keys().authenticate(login, key).whenComplete((outcome, error) ->
                ctx.executor().execute(() -> {
                    if (session.state() != SessionState.AUTHENTICATING || !ctx.channel().isActive()) {
                        return;
                    }
                    if (outcome instanceof ApiKeyAuthenticator.Accepted accepted) {
                        services.authFailures().succeeded(login, address, key);
                        accept(ctx, session, Backend.attach(ctx.channel(), accepted.application(), binary,
                                services.maxQueued(), services.maxQueuedBytes(), receiveMaximum, maximumPacketSize == 0xFFFFFFFFL
                                        ? Long.MAX_VALUE : maximumPacketSize), accepted.keyName(), keepAlive,
                                keepAlive != connect.variableHeader().keepAliveTimeSeconds(), clientId);
                    } else {
                        refuse(ctx, session, arrived, address, login, (ApiKeyAuthenticator.Refused) outcome);
                    }
                }));
    }

    private void accept(ChannelHandlerContext ctx, Session session, Backend backend, String keyName, int keepAlive,
                        boolean keepAliveChanged, String clientId) {
        ctx.pipeline().remove(HandlerNames.CONNECT_TIMEOUT);
        session.state(SessionState.CONNECTED);
        long idleMillis = keepAlive * 1_500L;
        ctx.pipeline().addBefore(HandlerNames.DECODER, HandlerNames.KEEP_ALIVE,
                new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        MqttMessageBuilders.ConnAckBuilder connAck = MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(false);
        if (session.isV5()) {
            connAck.properties(p -> {
                p.maximumPacketSize(services.settings().maxPacketSize())
                        .receiveMaximum(services.settings().receiveMaximum())
                        .maximumQos((byte) 1)
                        .retainAvailable(false)
                        .wildcardSubscriptionAvailable(true)
                        .subscriptionIdentifiersAvailable(false)
                        .sharedSubscriptionAvailable(true)
                        .topicAliasMaximum(0);
                if (keepAliveChanged) {
                    p.serverKeepAlive(keepAlive);
                }
                if (clientId == null || clientId.isEmpty()) {
                    p.assignedClientId(UUID.randomUUID().toString());
                }
            });
        }
        MqttConnAckMessage message = connAck.build();
        ctx.writeAndFlush(message);
        services.revocation().opened(ctx.channel(), backend.application(), keyName, reason ->
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.NOT_AUTHORIZED, reason));
        ctx.channel().config().setAutoRead(true);
        ctx.pipeline().fireUserEventTriggered(ProtocolGuard.ESTABLISHED);
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, Session session, long arrived, InetAddress address, String login,
                        ApiKeyAuthenticator.Refused refused) {
        switch (refused.reason()) {
            case DISABLED -> Disconnector.refuse(session, session.version(),
                    MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5, refused.message());
            case UNAVAILABLE -> Disconnector.refuse(session, session.version(),
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5, refused.message());
            default -> {
                services.authFailures().failed(address, login);
                refuseLater(session, arrived, MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD,
                        "bad API key: log in as <key-name>@<application> with the key as password");
            }
        }
    }

    /** As on the device listeners: the refusal leaves {@code mqtt.authFailureDelay} after the CONNECT arrived. */
    private void refuseLater(Session session, long arrived, MqttConnectReturnCode v3, MqttConnectReturnCode v5,
                             String reason) {
        Disconnector.refuseAt(session, arrived + services.settings().limits().authFailureDelay().toNanos(), v3, v5,
                reason);
    }

    private static int intProperty(MqttProperties properties, MqttProperties.MqttPropertyType type, int absent) {
        MqttProperties.MqttProperty<?> property = properties.getProperty(type.value());
        return property == null ? absent : (Integer) property.value();
    }

    private static boolean asksForBinary(MqttProperties properties) {
        for (MqttProperties.MqttProperty<?> property
                : properties.getProperties(MqttProperties.MqttPropertyType.USER_PROPERTY.value())) {
            if (property.value() instanceof MqttProperties.StringPair pair && CONTENT_MODE.equals(pair.key)
                    && "binary".equalsIgnoreCase(pair.value)) {
                return true;
            }
            if (property.value() instanceof java.util.List<?> pairs) {
                for (Object item : pairs) {
                    if (item instanceof MqttProperties.StringPair pair && CONTENT_MODE.equals(pair.key)
                            && "binary".equalsIgnoreCase(pair.value)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
