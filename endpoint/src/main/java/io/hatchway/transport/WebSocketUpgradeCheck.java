package io.hatchway.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Answers what must not become an MQTT WebSocket, before Netty's handshake: a malformed request (400), another path
 * (404), an upgrade without the {@code mqtt}/{@code mqttv3.1} subprotocol (400), an {@code Origin} not in
 * {@code allowedOrigins} when that list is set (403; compared without case and trailing slash). Each answer is a
 * JSON message, then the connection closes. It checks every request until the handshake completed, so a second
 * request on the same connection is checked too.
 */
final class WebSocketUpgradeCheck extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final List<String> SUBPROTOCOLS = Arrays.asList(WebSocketTransport.SUBPROTOCOLS.split(","));

    private final String path;
    private final List<String> allowedOrigins;

    WebSocketUpgradeCheck(String path, List<String> allowedOrigins) {
        super(false);
        this.path = path;
        this.allowedOrigins = allowedOrigins.stream().map(WebSocketUpgradeCheck::normalizeOrigin).toList();
    }

    static String normalizeOrigin(String origin) {
        String trimmed = origin.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String problem = problem(request);
        if (problem == null) {
            ctx.fireChannelRead(request);
            return;
        }
        HttpResponseStatus status = problem.startsWith("no WebSocket") ? HttpResponseStatus.NOT_FOUND
                : problem.startsWith("origin") ? HttpResponseStatus.FORBIDDEN : HttpResponseStatus.BAD_REQUEST;
        request.release();
        byte[] body = ("{\"message\":\"" + problem.replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setContentLength(response, body.length);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private String problem(FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            return "malformed or too large HTTP request";
        }
        if (!new QueryStringDecoder(request.uri()).path().equals(path)) {
            return "no WebSocket endpoint at this path, use " + path;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (!allowedOrigins.isEmpty() && (origin == null || !allowedOrigins.contains(normalizeOrigin(origin)))) {
            return "origin " + origin + " not allowed";
        }
        String requested = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (requested == null || Arrays.stream(requested.split(",")).map(String::trim)
                .noneMatch(SUBPROTOCOLS::contains)) {
            return "a WebSocket upgrade with subprotocol mqtt or mqttv3.1 is required";
        }
        return null;
    }
}
