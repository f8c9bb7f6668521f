package io.hatchway.http;

import io.cloudevents.CloudEvent;

/** How an event stream puts events on the wire: Server-Sent Events or WebSocket frames. Stateless, any thread. */
interface StreamFraming {

    /** One event; {@code structured} is its CloudEvents JSON (one line of UTF-8), shared with other streams. */
    Object event(CloudEvent event, byte[] structured);

    /** Keeps proxies from closing an idle stream. */
    Object heartbeat();

    /** The last thing sent, saying why the server ends the stream. */
    Object farewell(String reason);
}
