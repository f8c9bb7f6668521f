package io.hatchway.http;

import io.hatchway.commands.CommandBus;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Drogue's command API: {@code POST /api/command/v1alpha1/apps/{app}/devices/{device}?command={name}} sends the body
 * as the command payload, its {@code Content-Type} as the MQTT 5 Content Type. 202 when delivered to at least one
 * subscription (or, across instances, when Kafka accepted it); 400 for a missing or multi-level command name; 404
 * with a message otherwise; 503 when Kafka did not take the command.
 */
public final class CommandApi {

    /** The answer to a delivered command, its fields in this order (as the README and Drogue show them). */
    private record Delivered(String message, int recipients) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(CommandApi.class);

    private final CommandBus commands;

    public CommandApi(CommandBus commands) {
        this.commands = commands;
    }

    void post(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri, String application,
              String device) {
        List<String> names = uri.parameters().get("command");
        String command = names == null || names.isEmpty() ? "" : names.get(0);
        if (command.isEmpty() || command.contains("/") || command.contains("+") || command.contains("#")) {
            HttpResponses.message(ctx, request, HttpResponseStatus.BAD_REQUEST,
                    "query parameter 'command' is required and must be one topic level (no '/', '+' or '#')");
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(request.content());
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        commands.send(application, device, command, payload, contentType).whenComplete((delivery, error) ->
                ctx.executor().execute(() -> {
                    if (error != null) {
                        LOG.warn("command {} for {}/{} failed: {}", command, application, device, error.toString());
                        HttpResponses.message(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE,
                                "the command could not be handed on, try again: " + error.getMessage());
                        return;
                    }
                    switch (delivery.outcome()) {
                        case DELIVERED -> HttpResponses.json(ctx, request, HttpResponseStatus.ACCEPTED,
                                new Delivered("delivered", delivery.recipients()));
                        case PUBLISHED -> HttpResponses.message(ctx, request, HttpResponseStatus.ACCEPTED,
                                "accepted for delivery by every instance");
                        case UNKNOWN_APPLICATION -> HttpResponses.message(ctx, request, HttpResponseStatus.NOT_FOUND,
                                "unknown application '" + application + "'");
                        case UNKNOWN_DEVICE -> HttpResponses.message(ctx, request, HttpResponseStatus.NOT_FOUND,
                                "unknown device '" + device + "' in application '" + application + "'");
                        case NOT_SUBSCRIBED -> HttpResponses.message(ctx, request, HttpResponseStatus.NOT_FOUND,
                                "device '" + device + "' is not connected, not subscribed for commands, "
                                        + "or not reading them");
                        default -> throw new IllegalStateException("unexpected " + delivery);
                    }
                }));
    }
}
