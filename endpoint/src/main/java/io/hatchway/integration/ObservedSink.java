package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;

import java.util.concurrent.CompletableFuture;

/**
 * The sink as devices see it, telling the {@link EventHub} of every event it accepted: a backend never sees an
 * event the sink refused. Events of applications no backend follows pass straight through. Keeps the guarantees of
 * {@link EventSink}; the hub is told on the thread that completes the sink's future.
 */
public final class ObservedSink implements EventSink {

    private final EventSink sink;
    private final EventHub hub;

    public ObservedSink(EventSink sink, EventHub hub) {
        this.sink = sink;
        this.hub = hub;
    }

    @Override
    public CompletableFuture<Void> send(CloudEvent event) {
        CompletableFuture<Void> accepted = sink.send(event);
        Object application = event.getExtension(EventMapper.EXT_APPLICATION);
        if (application != null && hub.hasSubscribers(application.toString())) {
            accepted.thenRun(() -> hub.publish(event));
        }
        return accepted;
    }

    @Override
    public void close() {
        sink.close();
    }
}
