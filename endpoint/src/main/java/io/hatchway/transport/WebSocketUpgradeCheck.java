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

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Answers what must not become an MQTT WebSocket, before Netty's handshake: another path (404), an upgrade
 * without the {@code mqtt}/{@code mqttv3.1} subprotocol (400), an {@code Origin} not in {@code allowedOrigins}
 * when that list is set (403). Each answer is a JSON message, then the connection closes. Removes itself once a
 * valid upgrade request passed.
 */
final class WebSocketUpgradeCheck extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final List<String> SUBPROTOCOLS = Arrays.asList(WebSocketTransport.SUBPROTOCOLS.split(","));

    private final String path;
    private final List<String> allowedOrigins;

    WebSocketUpgradeCheck(String path, List<String> allowedOrigins) {
        super(false);
        this.path = path;
        this.allowedOrigins = allowedOrigins;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String problem = problem(request);
        if (problem == null) {
            ctx.pipeline().remove(this);
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
        if (!new QueryStringDecoder(request.uri()).path().equals(path)) {
            return "no WebSocket endpoint at this path, use " + path;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (!allowedOrigins.isEmpty() && (origin == null || !allowedOrigins.contains(origin))) {
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
