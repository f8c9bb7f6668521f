package io.hatchway.mqtt;

import io.hatchway.transport.HandlerNames;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The one way the server ends a connection. On MQTT 5, a connected client is told why with a DISCONNECT reason code
 * and reason string; before CONNACK, a refusal is a CONNACK with the version's return code. Every method may be
 * called from any thread and more than once: only the first call has an effect.
 */
public final class Disconnector {

    private static final Logger LOG = LoggerFactory.getLogger(Disconnector.class);

    private Disconnector() {
    }

    /** Ends a connection, sending an MQTT 5 DISCONNECT with {@code code} if the client is connected over MQTT 5. */
    public static void disconnect(Session session, MqttReasonCodes.Disconnect code, String reason) {
        if (!session.channel().eventLoop().inEventLoop()) {
            session.channel().eventLoop().execute(() -> disconnect(session, code, reason));
            return;
        }
        if (session.state() == SessionState.CLOSING) {
            return;
        }
        boolean tell = session.isV5() && session.state() == SessionState.CONNECTED;
        session.state(SessionState.CLOSING);
        LOG.debug("disconnecting {}: {} ({})", session, code, reason);
        if (tell) {
            MqttProperties properties = new MqttProperties();
            properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                    reason));
            MqttMessage disconnect = MqttMessageBuilders.disconnect()
                    .reasonCode(code.byteValue()).properties(properties).build();
            session.channel().writeAndFlush(disconnect).addListener(ChannelFutureListener.CLOSE);
        } else {
            session.channel().close();
        }
    }

    /** Ends a connection without a word, where the protocol allows none (e.g. before a valid CONNECT). */
    public static void close(Session session, String reason) {
        if (!session.channel().eventLoop().inEventLoop()) {
            session.channel().eventLoop().execute(() -> close(session, reason));
            return;
        }
        if (session.state() == SessionState.CLOSING) {
            return;
        }
        session.state(SessionState.CLOSING);
        LOG.debug("closing {}: {}", session, reason);
        // Acknowledgements already written wait for a flush (Acknowledgements flushes once per sink batch): they
        // leave before the close, so the client does not send again what the sink has.
        session.channel().flush();
        session.channel().close();
    }

    /**
     * Refuses a CONNECT: a CONNACK with {@code v3code} (MQTT 3.1/3.1.1) or {@code v5code} (MQTT 5, with the reason
     * string), then the close.
     */
    public static void refuse(Session session, MqttVersion version, MqttConnectReturnCode v3code,
                              MqttConnectReturnCode v5code, String reason) {
        if (!session.channel().eventLoop().inEventLoop()) {
            session.channel().eventLoop().execute(() -> refuse(session, version, v3code, v5code, reason));
            return;
        }
        if (session.state() == SessionState.CLOSING) {
            return;
        }
        session.state(SessionState.CLOSING);
        LOG.debug("refusing {}: {}", session, reason);
        MqttConnAckMessage connack;
        if (version == MqttVersion.MQTT_5) {
            connack = MqttMessageBuilders.connAck().returnCode(v5code)
                    .properties(p -> p.reasonString(reason)).build();
        } else {
            connack = MqttMessageBuilders.connAck().returnCode(v3code).build();
        }
        session.channel().writeAndFlush(connack).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Refuses a CONNECT as {@link #refuse} does, but not before the channel's ticker reaches {@code dueNanos}: a
     * failed authentication is answered at the same time whatever its cause. The connect timeout, if still there,
     * is removed so that it cannot pre-empt the answer with a bare close.
     */
    public static void refuseAt(Session session, long dueNanos, MqttConnectReturnCode v3code,
                                MqttConnectReturnCode v5code, String reason) {
        if (session.channel().pipeline().get(HandlerNames.CONNECT_TIMEOUT) != null) {
            session.channel().pipeline().remove(HandlerNames.CONNECT_TIMEOUT);
        }
        long wait = dueNanos - session.channel().eventLoop().ticker().nanoTime();
        if (wait <= 0) {
            refuse(session, session.version(), v3code, v5code, reason);
        } else {
            session.channel().eventLoop().schedule(() -> refuse(session, session.version(), v3code, v5code, reason),
                    wait, TimeUnit.NANOSECONDS);
        }
    }
}
