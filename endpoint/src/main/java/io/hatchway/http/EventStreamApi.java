package io.hatchway.http;

import io.hatchway.auth.AuthFailures;
import io.hatchway.integration.EventHub;
import io.hatchway.integration.KeyRevocation;
import io.hatchway.registry.ApiKeyAuthenticator;
import io.hatchway.registry.AuthOutcome;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.flush.FlushConsolidationHandler;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Objects;

/**
 * Live event streams for backends and dashboards: {@code GET /api/events/v1alpha1/apps/{app}[/{channel}]} follows
 * the events the sink accepted for {@code app} (only those of {@code channel} if given; a channel may span path
 * segments), from the moment the stream is answered. With a WebSocket upgrade each event is a text frame
 * ({@link EventWebSocket}); otherwise, if the request accepts {@code text/event-stream} (no {@code Accept} accepts
 * anything, RFC 9110 section 12.5.1), Server-Sent Events ({@link ServerSentEvents}); else 406. The query parameter
 * {@code group_id} joins a shared group: its members get each event once, in turn.
 *
 * <p>Only an API key of {@code app} may follow it ({@link ApiKeyCredentials}): missing or wrong credentials 401, a
 * key of another application or a disabled application 403, authentication unavailable 503. The key is verified off
 * the event loop, and the connection is not read meanwhile. A stream that cannot keep up is cut off
 * ({@link EventStream}).
 */
public final class EventStreamApi {

    /** The most events waiting to be written to one stream's socket; one more ends the stream. */
    static final int QUEUE_LIMIT = 1000;
    /** How often an idle stream sends a heartbeat (SSE comment, WebSocket ping), within common proxy timeouts. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final EventHub hub;
    private final ApiKeyAuthenticator authenticator;
    private final int queueLimit;
    private final long queueByteLimit;
    private final Duration heartbeat;
    private final AuthFailures failures;
    private final Duration failureDelay;
    private final KeyRevocation revocation;

    /**
     * @param queueLimit   events waiting to be written to one stream before it is cut off ({@code integration.maxQueued})
     * @param queueByteLimit bytes of events waiting to be written before it is cut off ({@code integration.maxQueuedBytes})
     * @param failures     failed authentications, shared with the MQTT listeners: throttled addresses and identities
     *                     get 429
     * @param failureDelay a refused key is answered no earlier than this after the request ({@code mqtt.authFailureDelay})
     * @param revocation   ends streams whose key no longer grants their application
     */
    public EventStreamApi(EventHub hub, ApiKeyAuthenticator authenticator, int queueLimit, long queueByteLimit,
                          AuthFailures failures, Duration failureDelay, KeyRevocation revocation) {
        this(hub, authenticator, queueLimit, queueByteLimit, HEARTBEAT, failures, failureDelay, revocation);
    }


    EventStreamApi(EventHub hub, ApiKeyAuthenticator authenticator, int queueLimit, long queueByteLimit,
                   Duration heartbeat, AuthFailures failures, Duration failureDelay, KeyRevocation revocation) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.queueLimit = queueLimit;
        this.queueByteLimit = queueByteLimit;
        this.heartbeat = heartbeat;
        this.failures = Objects.requireNonNull(failures, "failures");
        this.failureDelay = Objects.requireNonNull(failureDelay, "failureDelay");
        this.revocation = Objects.requireNonNull(revocation, "revocation");
    }

    /** @param channel the channel to follow, or null for all */
    void open(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri, String application,
              String channel) {
        if (!HttpMethod.GET.equals(request.method())) {
            FullHttpResponse response = HttpResponses.messageResponse(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method " + request.method() + " not allowed, use GET");
            response.headers().set(HttpHeaderNames.ALLOW, HttpMethod.GET.name());
            HttpResponses.write(ctx, request, response);
            return;
        }
        boolean webSocket = request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET,
                true);
        if (!webSocket && !ServerSentEvents.accepted(request.headers().get(HttpHeaderNames.ACCEPT))) {
            HttpResponses.message(ctx, request, HttpResponseStatus.NOT_ACCEPTABLE, "events are streamed as "
                    + "Server-Sent Events (send 'Accept: text/event-stream') or over a WebSocket (send an upgrade)");
            return;
        }
        List<String> groups = uri.parameters().get("group_id");
        String group = groups == null || groups.isEmpty() ? null : groups.get(0);
        if (group != null && group.isEmpty()) {
            HttpResponses.message(ctx, request, HttpResponseStatus.BAD_REQUEST, "group_id must not be empty");
            return;
        }
        ApiKeyCredentials.Presented presented = ApiKeyCredentials.of(request, uri);
        if (presented instanceof ApiKeyCredentials.Unusable unusable) {
            unauthorized(ctx, request, unusable.message());
            return;
        }
        ApiKeyCredentials.Key key = (ApiKeyCredentials.Key) presented;
        // The request is released when this returns; the rest needs its head only.
        FullHttpRequest head = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers().copy(), EmptyHttpHeaders.INSTANCE);
        EventHub.Filter filter = new EventHub.Filter(application, channel);
        String path = uri.rawPath();
        Channel ch = ctx.channel();
        ch.config().setAutoRead(false);
        long due = ch.eventLoop().ticker().nanoTime() + failureDelay.toNanos();
        InetAddress address = AuthFailures.addressOf(ch);
        if (failures.throttled(address, key.login(), key.key(), false)) {
            later(ch, due, () -> HttpResponses.message(ctx, head, HttpResponseStatus.TOO_MANY_REQUESTS,
                    "too many failed authentications from this address or for this key, try again later"));
            return;
        }
        authenticator.authenticate(key.login(), key.key()).whenComplete((outcome, error) ->
                ch.eventLoop().execute(() -> {
                    ch.config().setAutoRead(true);
                    if (!ch.isActive()) {
                        return;
                    }
                    if (!(outcome instanceof ApiKeyAuthenticator.Accepted accepted)) {
                        ApiKeyAuthenticator.Refused refused = outcome instanceof ApiKeyAuthenticator.Refused r ? r
                                : new ApiKeyAuthenticator.Refused(AuthOutcome.Reason.UNAVAILABLE,
                                "authentication failed: " + error);
                        if (refused.reason() == AuthOutcome.Reason.BAD_CREDENTIALS) {
                            // As on the MQTT listeners: counted, and answered at the same time whatever the cause.
                            failures.failed(address, key.login());
                            later(ch, due, () -> refuse(ctx, head, refused));
                        } else {
                            refuse(ctx, head, refused);
                        }
                        return;
                    }
                    failures.succeeded(key.login(), address, key.key());
                    if (!accepted.application().name().equals(application)) {
                        HttpResponses.message(ctx, head, HttpResponseStatus.FORBIDDEN, "API key '"
                                + accepted.keyName() + "' is one of application '" + accepted.application().name()
                                + "'; use a key of '" + application + "'");
                    } else if (webSocket) {
                        upgrade(ctx, head, path, filter, group, accepted);
                    } else {
                        streamPipeline(ch);
                        ServerSentEvents.start(ch);
                        revocable(ch, accepted, EventStream.open(ch, ServerSentEvents.INSTANCE, hub, filter, group,
                                queueLimit, queueByteLimit, heartbeat));
                    }
                }));
    }

    /** The stream ends if the registry stops granting the key it was opened with. */
    private void revocable(Channel ch, ApiKeyAuthenticator.Accepted accepted, EventStream stream) {
        revocation.opened(ch, accepted.application(), accepted.keyName(), stream::end);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String path, EventHub.Filter filter,
                         String group, ApiKeyAuthenticator.Accepted accepted) {
        Channel ch = ctx.channel();
        WebSocketServerHandshaker handshaker = EventWebSocket.handshaker(request, path);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
            return;
        }
        ChannelFuture handshake;
        try {
            handshake = handshaker.handshake(ch, request);
        } catch (WebSocketServerHandshakeException e) {
            HttpResponses.message(ctx, request, HttpResponseStatus.BAD_REQUEST,
                    "invalid WebSocket upgrade: " + e.getMessage());
            return;
        }
        streamPipeline(ch);
        handshake.addListener(done -> {
            if (done.isSuccess()) {
                revocable(ch, accepted, EventStream.open(ch, EventWebSocket.INSTANCE, hub, filter, group, queueLimit,
                        queueByteLimit, heartbeat));
            } else {
                ch.close();
            }
        });
    }

    /** The stream's writes are flushed together; what it reads no longer goes to the API. */
    private static void streamPipeline(Channel ch) {
        ch.pipeline()
                .addFirst(HttpChannelInitializer.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(
                        FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .replace(HttpChannelInitializer.API, HttpChannelInitializer.STREAM, StreamInbound.INSTANCE);
    }

    /** Runs {@code answer} on the channel's loop once its ticker reaches {@code dueNanos}. */
    private static void later(Channel ch, long dueNanos, Runnable answer) {
        ch.config().setAutoRead(true);
        ch.eventLoop().schedule(answer, Math.max(0, dueNanos - ch.eventLoop().ticker().nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    private static void refuse(ChannelHandlerContext ctx, HttpRequest request, ApiKeyAuthenticator.Refused refused) {
        switch (refused.reason()) {
            case BAD_CREDENTIALS -> unauthorized(ctx, request, refused.message());
            case DISABLED -> HttpResponses.message(ctx, request, HttpResponseStatus.FORBIDDEN, refused.message());
            case UNAVAILABLE -> HttpResponses.message(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    refused.message() + ", try again");
            default -> throw new IllegalStateException("unexpected " + refused);
        }
    }

    private static void unauthorized(ChannelHandlerContext ctx, HttpRequest request, String message) {
        FullHttpResponse response = HttpResponses.messageResponse(HttpResponseStatus.UNAUTHORIZED, message);
        // No Basic challenge: a browser would offer its login dialog, then send those credentials on its own.
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"hatchway\"");
        HttpResponses.write(ctx, request, response);
    }
}
