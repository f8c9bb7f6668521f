package io.hatchway.mqtt;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/**
 * Ends a connection that sent nothing for one and a half times its keep-alive [MQTT-3.1.2-24] (MQTT 5: DISCONNECT
 * 0x8D Keep Alive timeout). Added to the pipeline once the CONNECT is accepted. Time during which the endpoint
 * itself does not read the socket (back-pressure from the sink) does not count against the client.
 */
final class KeepAliveHandler extends IdleStateHandler {

    KeepAliveHandler(long timeoutMillis) {
        super(timeoutMillis, 0, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        // While back-pressure has stopped reading the socket, the silence is ours, not the client's.
        if (evt.state() == IdleState.READER_IDLE && ctx.channel().config().isAutoRead()) {
            Disconnector.disconnect(Session.of(ctx.channel()), MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT,
                    "nothing received for 1.5 times the keep-alive");
        }
    }
}
