package io.hatchway.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;

import java.nio.charset.StandardCharsets;

/**
 * Sends the CONNECT once the transport is up (the socket is active, or for WebSocket the handshake is complete),
 * then removes itself. Clean session / clean start: the load tool keeps no session state.
 */
final class ConnectSender extends ChannelInboundHandlerAdapter {

    private final DeviceLogin device;
    private final MqttVersion version;
    private final int keepAliveSeconds;
    private final boolean webSocket;

    ConnectSender(DeviceLogin device, MqttVersion version, int keepAliveSeconds, boolean webSocket) {
        this.device = device;
        this.version = version;
        this.keepAliveSeconds = keepAliveSeconds;
        this.webSocket = webSocket;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (!webSocket) {
            send(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            send(ctx);
        } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            ctx.close();
        }
        ctx.fireUserEventTriggered(event);
    }

    private void send(ChannelHandlerContext ctx) {
        MqttMessageBuilders.ConnectBuilder connect = MqttMessageBuilders.connect().clientId(device.clientId())
                .protocolVersion(version).cleanSession(true).keepAlive(keepAliveSeconds);
        device.username().ifPresent(connect::username);
        device.password().ifPresent(p -> connect.password(p.getBytes(StandardCharsets.UTF_8)));
        ctx.writeAndFlush(connect.build(), ctx.voidPromise());
        ctx.pipeline().remove(this);
    }
}
