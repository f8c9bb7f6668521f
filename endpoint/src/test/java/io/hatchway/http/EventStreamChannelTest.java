package io.hatchway.http;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.hatchway.events.EventSink;
import io.hatchway.events.SinkFullException;
import io.hatchway.integration.EventHub;
import io.hatchway.integration.ObservedSink;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One event stream on an {@link EmbeddedChannel}: framing, heartbeat, the bounded queue and unsubscribing. */
class EventStreamChannelTest {

    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final EventHub.Filter ALL = new EventHub.Filter("my-app", null);

    /** Takes every write and completes none, like a socket whose reader stopped reading. */
    private static final class Stalled extends ChannelOutboundHandlerAdapter {
        final List<Object> writes = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes.add(msg);
        }
    }

    private static CloudEvent event(String id, String channel) {
        return CloudEventBuilder.v1().withId(id).withType("io.drogue.event.v1")
                .withSource(URI.create("drogue://my-app/device1")).withSubject(channel)
                .withExtension("application", "my-app").withExtension("device", "device1")
                .withData("application/json", "{\"t\":21}".getBytes(StandardCharsets.UTF_8)).build();
    }

    /** The text of a chunk read from the channel, which is then released. */
    private static String text(Object written) {
        try {
            return held(written);
        } finally {
            ReferenceCountUtil.release(written);
        }
    }

    /** The text of a chunk still held by {@link Stalled}. */
    private static String held(Object written) {
        ByteBuf content = ((HttpContent) written).content();
        return content.toString(StandardCharsets.UTF_8);
    }

    @Test
    void serverSentEventCarriesIdTypeAndTheJsonOnOneDataLine() {
        EmbeddedChannel channel = new EmbeddedChannel();
        EventHub hub = new EventHub();
        EventStream.open(channel, ServerSentEvents.INSTANCE, hub, ALL, null, 10, Long.MAX_VALUE, HEARTBEAT);
        hub.publish(event("e-1", "temp"));
        String chunk = text(channel.readOutbound());
        assertTrue(chunk.startsWith("id: e-1\nevent: io.drogue.event.v1\n"
                + "data: {\"specversion\":\"1.0\",\"id\":\"e-1\""), chunk);
        assertTrue(chunk.endsWith(",\"data\":{\"t\":21}}\n\n"), chunk);
        assertEquals(List.of("id: e-1", "event: io.drogue.event.v1"), chunk.lines().limit(2).toList());
        assertEquals(4, chunk.lines().count(), "three fields and the blank line ending the event: " + chunk);
    }

    @Test
    void idleServerSentEventStreamSendsACommentAsHeartbeat() {
        EmbeddedChannel channel = new EmbeddedChannel();
        EventStream.open(channel, ServerSentEvents.INSTANCE, new EventHub(), ALL, null, 10, Long.MAX_VALUE, HEARTBEAT);
        channel.advanceTimeBy(HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(": keep-alive\n\n", text(channel.readOutbound()));
    }

    @Test
    void streamThatCannotKeepUpIsToldWhyAndCutOffAfterTheGrace() {
        Stalled stalled = new Stalled();
        EmbeddedChannel channel = new EmbeddedChannel(stalled);
        EventHub hub = new EventHub();
        EventStream.open(channel, ServerSentEvents.INSTANCE, hub, ALL, null, 2, Long.MAX_VALUE, HEARTBEAT);
        for (int i = 0; i < 3; i++) {
            hub.publish(event("e-" + i, "temp"));
        }
        channel.runPendingTasks();
        assertEquals(3, stalled.writes.size(), "two events and the farewell");
        assertInstanceOf(LastHttpContent.class, stalled.writes.get(2));
        assertTrue(held(stalled.writes.get(2)).startsWith("event: error\ndata: {\"message\":\"could not keep up"));
        assertTrue(channel.isOpen(), "the farewell waits behind the backlog");
        channel.advanceTimeBy(EventStream.CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen());
        assertFalse(hub.hasSubscribers("my-app"));
        stalled.writes.forEach(ReferenceCountUtil::release);
    }

    @Test
    void webSocketStreamSendsTextFramesAndClosesWithPolicyViolation() {
        Stalled stalled = new Stalled();
        EmbeddedChannel channel = new EmbeddedChannel(stalled);
        EventHub hub = new EventHub();
        EventStream.open(channel, EventWebSocket.INSTANCE, hub, ALL, null, 1, Long.MAX_VALUE, HEARTBEAT);
        hub.publish(event("e-1", "temp"));
        hub.publish(event("e-2", "temp"));
        channel.runPendingTasks();
        TextWebSocketFrame frame = (TextWebSocketFrame) stalled.writes.get(0);
        assertTrue(frame.text().startsWith("{\"specversion\":\"1.0\",\"id\":\"e-1\""), frame.text());
        CloseWebSocketFrame close = (CloseWebSocketFrame) stalled.writes.get(1);
        assertEquals(1008, close.statusCode());
        assertTrue(close.reasonText().startsWith("could not keep up"), close.reasonText());
        stalled.writes.forEach(ReferenceCountUtil::release);
    }

    @Test
    void groupMemberThatCannotKeepUpPassesTheEventToTheNext() {
        Stalled stalled = new Stalled();
        EmbeddedChannel slow = new EmbeddedChannel(stalled);
        EmbeddedChannel fast = new EmbeddedChannel();
        EventHub hub = new EventHub();
        EventStream.open(slow, ServerSentEvents.INSTANCE, hub, ALL, "g", 1, Long.MAX_VALUE, HEARTBEAT);
        EventStream.open(fast, ServerSentEvents.INSTANCE, hub, ALL, "g", 10, Long.MAX_VALUE, HEARTBEAT);
        for (int i = 0; i < 4; i++) {
            hub.publish(event("e-" + i, "temp"));
        }
        // slow takes e-0, cannot take e-2 (passed on to fast) and takes nothing after.
        List<String> fastGot = new ArrayList<>();
        for (Object written; (written = fast.readOutbound()) != null; ) {
            fastGot.add(text(written).lines().findFirst().orElseThrow());
        }
        assertEquals(List.of("id: e-1", "id: e-2", "id: e-3"), fastGot);
        assertTrue(held(stalled.writes.get(0)).startsWith("id: e-0\n"));
        stalled.writes.forEach(ReferenceCountUtil::release);
    }

    @Test
    void eventTheSinkRefusedIsNeverStreamed() {
        EmbeddedChannel channel = new EmbeddedChannel();
        EventHub hub = new EventHub();
        EventStream.open(channel, ServerSentEvents.INSTANCE, hub, ALL, null, 10, Long.MAX_VALUE, HEARTBEAT);
        EventSink store = new EventSink() {
            @Override
            public CompletableFuture<Void> send(CloudEvent event) {
                return event.getId().equals("refused") ? CompletableFuture.failedFuture(new SinkFullException("full"))
                        : CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {
            }
        };
        ObservedSink sink = new ObservedSink(store, hub);
        sink.send(event("refused", "temp"));
        sink.send(event("accepted", "temp"));
        assertTrue(text(channel.readOutbound()).startsWith("id: accepted\n"));
        assertNull(channel.readOutbound());
    }

    @Test
    void closingTheConnectionUnsubscribes() {
        EmbeddedChannel channel = new EmbeddedChannel();
        EventHub hub = new EventHub();
        EventStream.open(channel, EventWebSocket.INSTANCE, hub, new EventHub.Filter("my-app", "temp"), null, 10,
                Long.MAX_VALUE, HEARTBEAT);
        assertTrue(hub.hasSubscribers("my-app"));
        channel.close();
        assertFalse(hub.hasSubscribers("my-app"));
        assertNull(channel.readOutbound());
    }

    @Test
    void aStreamIsCutOffWhenTheBytesWaitingPassItsByteLimit() {
        Stalled stalled = new Stalled();
        EmbeddedChannel channel = new EmbeddedChannel(stalled);
        EventHub hub = new EventHub();
        int size = new io.hatchway.events.EventLines().json(event("e-0", "temp")).length;
        // Room for 1,000 events by count, for one and a half by bytes: the second one does not fit.
        EventStream.open(channel, ServerSentEvents.INSTANCE, hub, ALL, null, 1000, size * 3L / 2, HEARTBEAT);
        hub.publish(event("e-0", "temp"));
        hub.publish(event("e-1", "temp"));
        channel.runPendingTasks();
        assertEquals(2, stalled.writes.size(), "one event and the farewell");
        assertTrue(held(stalled.writes.get(1)).contains("bytes were waiting to be sent"));
        stalled.writes.forEach(ReferenceCountUtil::release);
    }

    @Test
    void acceptHeaderAdmitsEventStreamsByTheMostSpecificRange() {
        assertTrue(ServerSentEvents.accepted(null));
        assertTrue(ServerSentEvents.accepted("*/*"));
        assertTrue(ServerSentEvents.accepted("text/event-stream"));
        assertTrue(ServerSentEvents.accepted("application/json, text/*;q=0.5"));
        assertTrue(ServerSentEvents.accepted("Text/Event-Stream; charset=utf-8"));
        assertFalse(ServerSentEvents.accepted("application/json"));
        assertFalse(ServerSentEvents.accepted("text/event-stream;q=0, */*"));
        assertFalse(ServerSentEvents.accepted("text/html"));
    }
}
