package io.hatchway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hatchway.commands.CommandRouter;
import io.hatchway.commands.Delivery;
import io.hatchway.metrics.EndpointMetrics;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP API: Drogue's command API ({@code POST /api/command/v1alpha1/apps/{app}/devices/{device}?command=name}),
 * health ({@code /health/live}, {@code /health/ready}) and Prometheus metrics ({@code /metrics}). Every error is
 * a JSON object with a {@code message}. Stateless and shared by all connections.
 */
@ChannelHandler.Sharable
public final class HttpApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApiHandler.class);
    private static final Pattern COMMAND_PATH =
            Pattern.compile("/api/command/v1alpha1/apps/([^/]+)/devices/([^/]+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CommandRouter commands;
    private final EndpointMetrics metrics;
    private final BooleanSupplier ready;
    private final Optional<byte[]> token;

    /**
     * @param ready whether the endpoint is ready (listeners bound, registry loaded)
     * @param token the bearer token the command API requires, or empty
     */
    public HttpApiHandler(CommandRouter commands, EndpointMetrics metrics, BooleanSupplier ready,
                          Optional<String> token) {
        this.commands = commands;
        this.metrics = metrics;
        this.ready = ready;
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        try {
            route(ctx, request, new QueryStringDecoder(request.uri()));
        } catch (IllegalArgumentException e) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed request URI: " + e.getMessage());
        }
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
        String path = uri.rawPath();
        switch (path) {
            case "/health/live" -> {
                if (get(ctx, request)) {
                    json(ctx, request, HttpResponseStatus.OK, Map.of("status", "UP"));
                }
            }
            case "/health/ready" -> {
                if (get(ctx, request)) {
                    boolean up = ready.getAsBoolean();
                    json(ctx, request, up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            Map.of("status", up ? "UP" : "DOWN"));
                }
            }
            case "/metrics" -> {
                if (get(ctx, request)) {
                    send(ctx, request, HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                            metrics.scrape().getBytes(StandardCharsets.UTF_8));
                }
            }
            default -> {
                Matcher m = COMMAND_PATH.matcher(path);
                if (m.matches()) {
                    command(ctx, request, uri, decode(m.group(1)), decode(m.group(2)));
                } else {
                    respond(ctx, request, HttpResponseStatus.NOT_FOUND, "no such resource: " + path);
                }
            }
        }
    }

    private void command(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri,
                         String application, String device) {
        if (!authorized(request)) {
            FullHttpResponse response = response(HttpResponseStatus.UNAUTHORIZED,
                    message("missing or wrong bearer token"));
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"hatchway\"");
            write(ctx, request, response);
            return;
        }
        if (!HttpMethod.POST.equals(request.method())) {
            allow(ctx, request, "POST");
            return;
        }
        List<String> names = uri.parameters().get("command");
        String command = names == null || names.isEmpty() ? "" : names.get(0);
        if (command.isEmpty() || command.contains("/") || command.contains("+") || command.contains("#")) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST,
                    "query parameter 'command' is required and must be one topic level (no '/', '+' or '#')");
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(request.content());
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        commands.send(application, device, command, payload, contentType).whenComplete((delivery, error) ->
                ctx.executor().execute(() -> {
                    if (error != null) {
                        LOG.warn("command {} for {}/{} failed", command, application, device, error);
                        respond(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, "command failed");
                        return;
                    }
                    switch (delivery.outcome()) {
                        case DELIVERED -> json(ctx, request, HttpResponseStatus.ACCEPTED,
                                Map.of("message", "delivered", "recipients", delivery.recipients()));
                        case UNKNOWN_APPLICATION -> respond(ctx, request, HttpResponseStatus.NOT_FOUND,
                                "unknown application '" + application + "'");
                        case UNKNOWN_DEVICE -> respond(ctx, request, HttpResponseStatus.NOT_FOUND,
                                "unknown device '" + device + "' in application '" + application + "'");
                        case NOT_SUBSCRIBED -> respond(ctx, request, HttpResponseStatus.NOT_FOUND,
                                "device '" + device + "' is not connected, not subscribed for commands, "
                                        + "or not reading them");
                        default -> throw new IllegalStateException("unexpected " + delivery);
                    }
                }));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    private boolean authorized(FullHttpRequest request) {
        if (token.isEmpty()) {
            return true;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token.get(), header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    private boolean get(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method())) {
            return true;
        }
        allow(ctx, request, "GET, HEAD");
        return false;
    }

    private void allow(ChannelHandlerContext ctx, FullHttpRequest request, String methods) {
        FullHttpResponse response = response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                message("method " + request.method() + " not allowed, use " + methods));
        response.headers().set(HttpHeaderNames.ALLOW, methods);
        write(ctx, request, response);
    }

    /** Percent-decodes one path segment; unlike a query, a path keeps '+' as it is. */
    private static String decode(String segment) {
        return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"));
    }

    private static byte[] message(String message) {
        return toJson(Map.of("message", message));
    }

    private static byte[] toJson(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                         String message) {
        write(ctx, request, response(status, message(message)));
    }

    private void json(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, Object body) {
        write(ctx, request, response(status, toJson(body)));
    }

    private void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                      String contentType, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        write(ctx, request, response);
    }

    private static FullHttpResponse response(HttpResponseStatus status, byte[] json) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(json));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return response;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (HttpMethod.HEAD.equals(request.method())) {
            response.content().clear();
        }
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
