package io.hatchway.events;

import io.cloudevents.CloudEvent;

import java.util.concurrent.CompletableFuture;

/**
 * Where device events go once mapped to CloudEvents; a publish is acknowledged to the device only after its event
 * has been accepted here.
 *
 * <p>Guarantees every implementation gives:
 * <ul>
 *   <li><b>Thread-safe.</b> {@link #send} may be called from any number of threads at once, in particular from all
 *       Netty event loops.</li>
 *   <li><b>Never blocks the caller.</b> {@link #send} only enqueues; all I/O happens on threads owned by the
 *       sink.</li>
 *   <li><b>Completion means durable.</b> The returned future completes normally only once the event has been durably
 *       accepted (what "durable" means is stated by each implementation, e.g. written and forced to disk).</li>
 *   <li><b>Fails fast when full.</b> When the sink's bounded buffer is full, the future is already completed
 *       exceptionally with {@link SinkFullException} when {@link #send} returns. When the sink fails (output error,
 *       event that cannot be serialised, sink closed) it completes exceptionally with another {@link SinkException}.
 *       The future is never cancelled by the sink and always completes.</li>
 *   <li><b>Per-thread order.</b> Events sent from one thread are accepted in the order they were sent (an event
 *       rejected as full is simply absent from that order).</li>
 *   <li><b>Completion on any thread.</b> Futures may complete on a sink-owned thread; dependent actions run there
 *       unless the caller re-dispatches them (e.g. to the channel's event loop), and must not block.</li>
 * </ul>
 */
public interface EventSink extends AutoCloseable {

    /**
     * Hands an event to the sink without blocking.
     *
     * @param event the event to store; not null
     * @return a future that completes normally once the event is durably accepted, or exceptionally with
     *         {@link SinkFullException} (immediately) or another {@link SinkException}
     */
    CompletableFuture<Void> send(CloudEvent event);

    /**
     * Accepts and flushes every event already queued, completing their futures, then releases the sink's resources
     * and returns. Sends after (or racing with) close fail with {@link SinkException}. Calling close again has no
     * further effect. Unlike {@link #send}, close may block while it flushes; do not call it from an event loop.
     */
    @Override
    void close();
}
