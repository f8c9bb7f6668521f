package io.hatchway.mqtt;

import io.hatchway.auth.AuthFailures;
import io.hatchway.auth.ConnectAuthenticator;
import io.hatchway.auth.GatewayDecisions;
import io.hatchway.metrics.EndpointMetrics.ConnectOutcome;
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

import java.net.InetAddress;
import java.util.UUID;

/**
 * Handles CONNECT: refuses what the endpoint does not offer, authenticates the device without blocking the event
 * loop (the socket is not read meanwhile), takes over an older connection of the same device and answers
 * CONNACK; the keep-alive is then watched by the {@link KeepAliveSweeper}.
 *
 * <p>Refusals, by MQTT 3.1.1 / MQTT 5 code: bad credentials {@code 0x04}/{@code 0x86}; disabled application or
 * device {@code 0x05}/{@code 0x87}; registry unavailable {@code 0x03}/{@code 0x88}; clean session false
 * {@code 0x02}/{@code 0x83} (the endpoint keeps no session state); {@code mqtt.maxConnections} reached
 * {@code 0x03}/{@code 0x89}; the application's {@code maxConnections} reached {@code 0x03}/{@code 0x97}; too many
 * failed authentications from the address or for the identity {@code 0x03}/{@code 0x9F}. Bad credentials and
 * throttling are answered {@code mqtt.authFailureDelay} after the CONNECT arrived.
 */
@ChannelHandler.Sharable
public final class ConnectHandler extends SimpleChannelInboundHandler<MqttConnectMessage> {

    private final MqttServices services;

    public ConnectHandler(MqttServices services) {
        this.services = services;
    }

    /**
     * What the CONNECT asked for and presented ({@code password} may be null; {@code provenByTls}: a client
     * certificate or PSK authenticates, not the password), kept while it is authenticated.
     */
    private record Attempt(String clientId, int keepAlive, boolean sessionExpiryRequested, Will will,
                           long arrivedNanos, InetAddress address, String identity, byte[] password,
                           boolean provenByTls) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttConnectMessage connect) {
        Session session = Session.of(ctx.channel());
        MqttVersion version = MqttVersion.fromProtocolNameAndLevel(connect.variableHeader().name(),
                (byte) connect.variableHeader().version());
        session.version(version);
        session.attempt(services.lifecycle().devices().nextAttempt());
        session.state(SessionState.AUTHENTICATING);

        if (!connect.variableHeader().isCleanSession()) {
            services.metrics().connect(ConnectOutcome.REFUSED);
            Disconnector.refuse(session, version, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_IMPLEMENTATION_SPECIFIC,
                    "clean session / clean start must be true: Hatchway keeps no session state");
            return;
        }
        String clientId = connect.payload().clientIdentifier();
        String username = connect.payload().userName();
        MqttProperties properties = connect.variableHeader().properties();
        Integer maximumPacketSize = intProperty(properties, MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE);
        Integer problemInformation = intProperty(properties,
                MqttProperties.MqttPropertyType.REQUEST_PROBLEM_INFORMATION);
        Integer sessionExpiry = intProperty(properties, MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL);
        session.clientPreferences(maximumPacketSize == null ? Long.MAX_VALUE : maximumPacketSize & 0xFFFFFFFFL,
                problemInformation == null || problemInformation != 0);
        ctx.channel().config().setAutoRead(false);
        Attempt attempt = new Attempt(clientId, connect.variableHeader().keepAliveTimeSeconds(),
                sessionExpiry != null && sessionExpiry != 0, willOf(connect, version),
                ctx.executor().ticker().nanoTime(), AuthFailures.addressOf(ctx.channel()),
                username != null && !username.isEmpty() ? username : clientId, connect.payload().passwordInBytes(),
                ConnectAuthenticator.provenByTls(ctx.channel()));
        if (services.authFailures().throttled(attempt.address(), attempt.identity(), attempt.password(),
                attempt.provenByTls())) {
            services.metrics().connect(ConnectOutcome.THROTTLED);
            refuseUnauthenticated(session, attempt, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_CONNECTION_RATE_EXCEEDED,
                    "too many failed authentications from this address or for this identity, try again later");
            return;
        }
        services.authenticator()
                .authenticate(ctx.channel(), username, attempt.password(), clientId)
                .whenComplete((outcome, error) -> ctx.executor().execute(() ->
                        authenticated(ctx, session, outcome, error, attempt)));
    }

    private void authenticated(ChannelHandlerContext ctx, Session session, AuthOutcome outcome, Throwable error,
                               Attempt attempt) {
        if (session.state() != SessionState.AUTHENTICATING || !ctx.channel().isActive()) {
            return;
        }
        if (error != null || outcome instanceof AuthOutcome.Refused r && r.reason() == AuthOutcome.Reason.UNAVAILABLE) {
            services.metrics().connect(ConnectOutcome.UNAVAILABLE);
            Disconnector.refuse(session, session.version(), MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE_5, "registry unavailable, try later");
            return;
        }
        if (outcome instanceof AuthOutcome.Refused refused) {
            if (refused.reason() == AuthOutcome.Reason.DISABLED) {
                services.metrics().connect(ConnectOutcome.NOT_AUTHORIZED);
                Disconnector.refuse(session, session.version(), MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                        MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5, refused.message());
            } else {
                services.metrics().connect(ConnectOutcome.BAD_CREDENTIALS);
                services.authFailures().failed(attempt.address(), attempt.identity());
                refuseUnauthenticated(session, attempt,
                        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                        MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD, refused.message());
            }
            return;
        }
        if (!attempt.provenByTls()) {
            // A certificate or PSK ignores the client id and password: they vouch for no identity's secret.
            services.authFailures().succeeded(attempt.identity(), attempt.address(), attempt.password());
        }
        AuthOutcome.Authenticated accepted = (AuthOutcome.Authenticated) outcome;
        // The connect timeout also bounds authentication; it ends with the CONNACK.
        ctx.pipeline().remove(HandlerNames.CONNECT_TIMEOUT);
        session.established(accepted.application(), accepted.device(), new GatewayDecisions(services.registry(),
                accepted.application().name(), accepted.device().name()));
        session.will(attempt.will());
        int keepAlive = services.settings().limits().keepAlive(attempt.keepAlive());
        session.keepAlive(keepAlive);
        switch (services.lifecycle().begin(session)) {
            case ACCEPTED -> session.state(SessionState.CONNECTED);
            case SUPERSEDED -> {
                return;
            }
            case REJECTED -> {
                Disconnector.refuse(session, session.version(),
                        MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                        MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID,
                        "the device is already connected and its application does not allow a takeover");
                return;
            }
            case SERVER_FULL -> {
                Disconnector.refuse(session, session.version(),
                        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY,
                        "the endpoint has its maximum of " + services.settings().limits().maxConnections()
                                + " devices connected, try later");
                return;
            }
            case APPLICATION_FULL -> {
                Disconnector.refuse(session, session.version(),
                        MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                        MqttConnectReturnCode.CONNECTION_REFUSED_QUOTA_EXCEEDED,
                        "application '" + accepted.application().name() + "' has its maximum of "
                                + accepted.application().mqtt().maxConnections() + " devices connected");
                return;
            }
            default -> throw new IllegalStateException("unexpected takeover outcome");
        }
        ctx.writeAndFlush(connAck(session, attempt, keepAlive));
        services.metrics().connect(ConnectOutcome.ACCEPTED);
        ctx.channel().config().setAutoRead(true);
        ctx.pipeline().fireUserEventTriggered(ProtocolGuard.ESTABLISHED);
        // Its job is done: a second CONNECT is stopped by the guard. One handler less per open connection.
        ctx.pipeline().remove(this);
    }

    /**
     * Refuses a CONNECT whose credentials were not accepted (or not looked at), no earlier than
     * {@code authFailureDelay} after it arrived: the answer comes at the same time whatever the reason.
     */
    /** The refusal leaves {@code mqtt.authFailureDelay} after the CONNECT arrived. */
    private void refuseUnauthenticated(Session session, Attempt attempt, MqttConnectReturnCode v3code,
                                       MqttConnectReturnCode v5code, String reason) {
        Disconnector.refuseAt(session, attempt.arrivedNanos()
                + services.settings().limits().authFailureDelay().toNanos(), v3code, v5code, reason);
    }

    private static Will willOf(MqttConnectMessage connect, MqttVersion version) {
        if (!connect.variableHeader().isWillFlag()) {
            return null;
        }
        MqttProperties properties = connect.payload().willProperties();
        String contentType = null;
        long delay = 0;
        if (version == MqttVersion.MQTT_5) {
            MqttProperties.MqttProperty<?> type =
                    properties.getProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value());
            contentType = type == null ? null : (String) type.value();
            Integer interval = intProperty(properties, MqttProperties.MqttPropertyType.WILL_DELAY_INTERVAL);
            delay = interval == null ? 0 : interval & 0xFFFFFFFFL;
        }
        return new Will(connect.payload().willTopic(), connect.payload().willMessageInBytes(), contentType, delay);
    }

    private static Integer intProperty(MqttProperties properties, MqttProperties.MqttPropertyType type) {
        MqttProperties.MqttProperty<?> property = properties.getProperty(type.value());
        return property == null ? null : (Integer) property.value();
    }

    private MqttConnAckMessage connAck(Session session, Attempt attempt, int keepAlive) {
        String clientId = attempt.clientId();
        MqttMessageBuilders.ConnAckBuilder connAck = MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(false);
        if (session.isV5()) {
            connAck.properties(p -> {
                p.receiveMaximum(services.settings().receiveMaximum())
                        .maximumPacketSize(services.settings().maxPacketSize())
                        .wildcardSubscriptionAvailable(true)
                        .subscriptionIdentifiersAvailable(false)
                        .sharedSubscriptionAvailable(false);
                if (clientId == null || clientId.isEmpty()) {
                    p.assignedClientId(UUID.randomUUID().toString());
                }
                if (keepAlive != attempt.keepAlive()) {
                    // 0 (off) or above mqtt.maxKeepAlive: the client must use this instead [MQTT-3.2.2-21].
                    p.serverKeepAlive(keepAlive);
                }
                if (attempt.sessionExpiryRequested()) {
                    // No session state is kept: the session ends with the connection [MQTT-3.2.2.3.2].
                    p.sessionExpiryInterval(0);
                }
            });
        }
        return connAck.build();
    }
}
