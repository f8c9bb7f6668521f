package io.hatchway.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

/**
 * The small packets of an established connection: PINGREQ is answered with PINGRESP, PUBREL completes a QoS 2
 * exchange with PUBCOMP (MQTT 5: 0x92 when the packet id is unknown), DISCONNECT closes (and discards the will
 * if it is a normal disconnection). Acknowledgements of the
 * QoS 0 commands the endpoint sends cannot occur and are ignored.
 */
@ChannelHandler.Sharable
public final class ControlHandler extends SimpleChannelInboundHandler<MqttMessage> {

    private static final MqttMessage PINGRESP =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
        Session session = Session.of(ctx.channel());
        switch (msg.fixedHeader().messageType()) {
            case PINGREQ -> ctx.writeAndFlush(PINGRESP);
            case PUBREL -> {
                int packetId = ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
                Boolean acknowledged = session.qos2().get(packetId);
                byte code = MqttReasonCodes.PubComp.SUCCESS.byteValue();
                if (Boolean.TRUE.equals(acknowledged)) {
                    session.qos2().remove(packetId);
                    session.inFlight(-1);
                } else if (acknowledged == null && session.isV5()) {
                    code = MqttReasonCodes.PubComp.PACKET_IDENTIFIER_NOT_FOUND.byteValue();
                } else if (acknowledged != null) {
                    // PUBREL before our PUBREC: the client broke the exchange [MQTT-4.3.3-3].
                    Disconnector.disconnect(session, MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                            "PUBREL before PUBREC for packet " + packetId);
                    return;
                }
                ctx.writeAndFlush(Acknowledgements.pubComp(packetId, code));
            }
            case DISCONNECT -> {
                // Only a normal DISCONNECT (MQTT 5: reason 0x00) discards the will [MQTT-3.14.4-3]; 0x04 and the
                // error reasons keep it.
                Object header = msg.variableHeader();
                boolean normal = !(header instanceof MqttReasonCodeAndPropertiesVariableHeader reason)
                        || reason.reasonCode() == MqttReasonCodes.Disconnect.NORMAL_DISCONNECT.byteValue();
                if (normal) {
                    session.will(null);
                }
                session.state(SessionState.CLOSING);
                ctx.close();
            }
            default -> {
                // PUBACK, PUBREC, PUBCOMP: nothing of ours waits for them.
            }
        }
    }
}
