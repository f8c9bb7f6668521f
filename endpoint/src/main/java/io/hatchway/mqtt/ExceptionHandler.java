package io.hatchway.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Last in the pipeline: I/O errors of peers that went away and transport decoding errors are expected and only
 * logged at debug level; anything else is a bug and ends the connection (MQTT 5: DISCONNECT 0x80), logged.
 */
@ChannelHandler.Sharable
public final class ExceptionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ExceptionHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Session session = Session.of(ctx.channel());
        if (cause instanceof IOException || cause instanceof DecoderException) {
            // Peers that went away, and transport garbage: failed TLS handshakes (wrong key, unknown CA, not TLS at
            // all), broken WebSocket frames. MQTT decoding failures never get here: they are answered by the guard.
            LOG.debug("I/O, TLS or WebSocket error on {}: {}", session, cause.toString());
            Disconnector.close(session, "I/O, TLS or WebSocket error");
            return;
        }
        LOG.warn("unexpected error on {}", session, cause);
        Disconnector.disconnect(session, MqttReasonCodes.Disconnect.UNSPECIFIED_ERROR, "internal error");
    }
}
