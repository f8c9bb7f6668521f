package io.hatchway.http;

import io.hatchway.metrics.EndpointMetrics;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Routes the HTTP API: health ({@code /health/live}, {@code /health/ready}) and Prometheus metrics
 * ({@code /metrics}) are open; the command and presence APIs require the bearer token when one is configured; event
 * streams ({@code /api/events/v1alpha1/apps/{app}[/{channel}]}) an API key of the application, and they take the
 * connection over. Every error is a JSON object with a {@code message}. Stateless and shared by all connections.
 */
@ChannelHandler.Sharable
public final class HttpApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApiHandler.class);
    private static final Pattern DEVICE_PATH =
            Pattern.compile("/api/(command|presence)/v1alpha1/apps/([^/]+)/devices/([^/]+)");
    /** An application, then optionally a channel, which may span segments. */
    private static final Pattern EVENTS_PATH = Pattern.compile("/api/events/v1alpha1/apps/([^/]+)(?:/(.+))?");

    private final CommandApi commands;
    private final PresenceApi presence;
    private final EventStreamApi events;
    private final EndpointMetrics metrics;
    private final BooleanSupplier ready;
    private final Optional<byte[]> token;

    /**
     * @param ready whether the endpoint is ready (listeners bound, registry loaded)
     * @param token the bearer token the command and presence APIs require, or empty
     */
    public HttpApiHandler(CommandApi commands, PresenceApi presence, EventStreamApi events, EndpointMetrics metrics,
                          BooleanSupplier ready, Optional<String> token) {
        this.commands = commands;
        this.presence = presence;
        this.events = events;
        this.metrics = metrics;
        this.ready = ready;
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            HttpResponses.message(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        try {
            route(ctx, request, new QueryStringDecoder(request.uri()));
        } catch (IllegalArgumentException e) {
            HttpResponses.message(ctx, request, HttpResponseStatus.BAD_REQUEST,
                    "malformed request URI: " + e.getMessage());
        }
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
        String path = uri.rawPath();
        switch (path) {
            case "/health/live" -> {
                if (allowed(ctx, request, HttpMethod.GET)) {
                    HttpResponses.json(ctx, request, HttpResponseStatus.OK, Map.of("status", "UP"));
                }
            }
            case "/health/ready" -> {
                if (allowed(ctx, request, HttpMethod.GET)) {
                    boolean up = ready.getAsBoolean();
                    HttpResponses.json(ctx, request,
                            up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            Map.of("status", up ? "UP" : "DOWN"));
                }
            }
            case "/metrics" -> {
                if (allowed(ctx, request, HttpMethod.GET)) {
                    HttpResponses.write(ctx, request, HttpResponses.response(HttpResponseStatus.OK,
                            "text/plain; version=0.0.4; charset=utf-8",
                            metrics.scrape().getBytes(StandardCharsets.UTF_8)));
                }
            }
            default -> {
                Matcher stream = EVENTS_PATH.matcher(path);
                if (stream.matches()) {
                    events.open(ctx, request, uri, decode(stream.group(1)),
                            stream.group(2) == null ? null : decodeSegments(stream.group(2)));
                    return;
                }
                Matcher m = DEVICE_PATH.matcher(path);
                if (!m.matches()) {
                    HttpResponses.message(ctx, request, HttpResponseStatus.NOT_FOUND, "no such resource: " + path);
                } else if (!authorized(request)) {
                    FullHttpResponse response = HttpResponses.messageResponse(HttpResponseStatus.UNAUTHORIZED,
                            "missing or wrong bearer token");
                    response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"hatchway\"");
                    HttpResponses.write(ctx, request, response);
                } else if (m.group(1).equals("command")) {
                    if (allowed(ctx, request, HttpMethod.POST)) {
                        commands.post(ctx, request, uri, decode(m.group(2)), decode(m.group(3)));
                    }
                } else if (allowed(ctx, request, HttpMethod.GET)) {
                    presence.get(ctx, request, decode(m.group(2)), decode(m.group(3)));
                }
            }
        }
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

    /** Whether the request uses {@code method} (GET also allows HEAD); answers 405 otherwise. */
    private static boolean allowed(ChannelHandlerContext ctx, FullHttpRequest request, HttpMethod method) {
        if (method.equals(request.method()) || (method == HttpMethod.GET && HttpMethod.HEAD.equals(request.method()))) {
            return true;
        }
        String methods = method == HttpMethod.GET ? "GET, HEAD" : method.name();
        FullHttpResponse response = HttpResponses.messageResponse(HttpResponseStatus.METHOD_NOT_ALLOWED,
                "method " + request.method() + " not allowed, use " + methods);
        response.headers().set(HttpHeaderNames.ALLOW, methods);
        HttpResponses.write(ctx, request, response);
        return false;
    }

    /** Percent-decodes one path segment; unlike a query, a path keeps '+' as it is. */
    private static String decode(String segment) {
        return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"));
    }

    /** Percent-decodes each segment of a path that spans several, keeping the slashes between them. */
    private static String decodeSegments(String path) {
        return Arrays.stream(path.split("/", -1)).map(HttpApiHandler::decode).collect(Collectors.joining("/"));
    }
}
