package io.hatchway.transport;

import io.hatchway.config.HatchwayConfig;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

/**
 * MQTT over WebSocket: an HTTP upgrade on the configured path with subprotocol {@code mqtt} or {@code mqttv3.1}
 * (and, if configured, an allowed {@code Origin}), then MQTT bytes in binary frames. A packet may span frames and a
 * frame may hold several packets: frames only carry the byte stream the MQTT decoder reads.
 */
public final class WebSocketTransport implements Transport {

    static final String SUBPROTOCOLS = "mqtt,mqttv3.1";
    private static final int MAX_UPGRADE_REQUEST = 8192;

    private final HatchwayConfig.WebSocket config;
    private final int maxFrame;

    /**
     * @param maxPacketSize the MQTT maximum packet size; a frame may hold several packets, so frames up to four
     *                      times that size are accepted (the MQTT decoder still limits each packet)
     */
    public WebSocketTransport(HatchwayConfig.WebSocket config, int maxPacketSize) {
        this.config = config;
        this.maxFrame = (int) Math.min(Integer.MAX_VALUE, 4L * maxPacketSize);
    }

    @Override
    public void addTo(Channel channel) {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(config.path())
                .subprotocols(SUBPROTOCOLS)
                // the path itself is checked by WebSocketUpgradeCheck; this lets a query string through
                .checkStartsWith(true)
                .handleCloseFrames(true)
                // No text frame is read, whatever it holds (WebSocketFrames answers every one with 1003): checking
                // its UTF-8 first would answer most MQTT in text frames with 1007 instead.
                .decoderConfig(WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(maxFrame)
                        .allowExtensions(false).withUTF8Validator(false).build())
                .build();
        channel.pipeline()
                .addLast(HandlerNames.HTTP, new HttpServerCodec())
                .addLast(HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_UPGRADE_REQUEST))
                .addLast(HandlerNames.WEBSOCKET_CHECK, new WebSocketUpgradeCheck(config.path(),
                        config.allowedOrigins()))
                .addLast(HandlerNames.WEBSOCKET, new WebSocketServerProtocolHandler(protocol))
                .addLast(HandlerNames.WEBSOCKET_FRAMES, new WebSocketFrames());
    }
}
