package io.hatchway.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;

/**
 * Last in the pipeline: I/O errors of peers that went away are expected and only logged at debug level; anything
 * else is a bug or an attack and ends the connection (MQTT 5: DISCONNECT 0x80).
 */
@ChannelHandler.Sharable
public final class ExceptionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ExceptionHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Session session = Session.of(ctx.channel());
        if (cause instanceof IOException || cause.getCause() instanceof SSLException) {
            // peers that went away, and failed TLS handshakes (wrong key, unknown CA, not TLS at all)
            LOG.debug("I/O or TLS error on {}: {}", session, cause.toString());
            Disconnector.close(session, "I/O or TLS error");
            return;
        }
        LOG.warn("unexpected error on {}", session, cause);
        Disconnector.disconnect(session, MqttReasonCodes.Disconnect.UNSPECIFIED_ERROR, "internal error");
    }
}
