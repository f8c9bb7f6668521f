package io.hatchway.http;

import io.cloudevents.CloudEvent;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Events over WebSocket (RFC 6455): one text frame per event holding its CloudEvents JSON, a ping as heartbeat,
 * and close code 1008 (policy violation) with the reason when the server ends the stream. No subprotocol.
 */
final class EventWebSocket implements StreamFraming {

    static final EventWebSocket INSTANCE = new EventWebSocket();

    /** The backend sends nothing but control frames; anything larger is a protocol violation (close 1009). */
    private static final WebSocketDecoderConfig DECODER = WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(8192).allowExtensions(false).build();

    /** Close reasons are limited to 123 bytes (RFC 6455 section 5.5). */
    private static final int MAX_REASON = 123;

    private EventWebSocket() {
    }

    /**
     * The handshake for {@code request}, or null if its WebSocket version is not supported (answer with
     * {@link WebSocketServerHandshakerFactory#sendUnsupportedVersionResponse}). Its {@code handshake} throws
     * {@link io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException} before writing anything if
     * the request is not a valid upgrade, and otherwise swaps the HTTP codec for frame codecs.
     */
    static WebSocketServerHandshaker handshaker(FullHttpRequest request, String path) {
        return new WebSocketServerHandshakerFactory(path, null, DECODER).newHandshaker(request);
    }

    @Override
    public Object event(CloudEvent event, byte[] structured) {
        return new TextWebSocketFrame(Unpooled.wrappedBuffer(structured));
    }

    @Override
    public Object heartbeat() {
        return new PingWebSocketFrame();
    }

    @Override
    public Object farewell(String reason) {
        String text = reason;
        while (text.getBytes(StandardCharsets.UTF_8).length > MAX_REASON) {
            text = text.substring(0, text.length() - 1);
        }
        return new CloseWebSocketFrame(WebSocketCloseStatus.POLICY_VIOLATION.code(), text);
    }
}
