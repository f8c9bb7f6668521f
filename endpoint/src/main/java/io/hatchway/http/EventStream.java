package io.hatchway.http;

import io.cloudevents.CloudEvent;
import io.hatchway.integration.EventHub;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One backend connection following an application's events, once the stream's response has started. Events are
 * written as they are offered, from the sink's thread; the writes not yet handed to the socket are counted, and an
 * event that would make them more than the limit is refused, which ends the stream: a backend that cannot keep up
 * is cut off rather than slowing the devices down or letting memory grow. Closing the channel, for whatever reason,
 * unsubscribes it (the only place that does).
 */
final class EventStream implements EventHub.Subscriber {

    /** How long a stream that could not keep up gets to read its backlog and the reason before it is cut. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);

    private final Channel channel;
    private final StreamFraming framing;
    private final int limit;
    private final long byteLimit;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final ChannelFutureListener written;
    private final AtomicBoolean ending = new AtomicBoolean();

    private EventStream(Channel channel, StreamFraming framing, int limit, long byteLimit) {
        this.channel = channel;
        this.framing = framing;
        this.limit = limit;
        this.byteLimit = byteLimit;
        this.written = future -> pending.decrementAndGet();
    }

    /**
     * Subscribes the channel and starts its heartbeat. On the channel's event loop, after the response has started
     * (the 200 or the WebSocket handshake is written), so that no event precedes it.
     *
     * @param group the shared subscription group, or null
     * @param limit the most events waiting to be written to the socket
     * @param byteLimit the most bytes of events (their JSON form) waiting to be written; a single larger event is
     *                  still written to an empty stream
     */
    static EventStream open(Channel channel, StreamFraming framing, EventHub hub, EventHub.Filter filter, String group,
                     int limit, long byteLimit, Duration heartbeat) {
        EventStream stream = new EventStream(channel, framing, limit, byteLimit);
        Runnable unsubscribe = hub.subscribe(filter, group, stream);
        ScheduledFuture<?> beat = channel.eventLoop().scheduleAtFixedRate(stream::beat, heartbeat.toMillis(),
                heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        channel.closeFuture().addListener(closed -> {
            unsubscribe.run();
            beat.cancel(false);
            LOG.debug("event stream {} closed", channel);
        });
        LOG.debug("event stream {} follows {} (group {})", channel, filter, group);
        return stream;
    }

    @Override
    public boolean offer(CloudEvent event, byte[] structured) {
        return offer(event, structured, null);
    }

    @Override
    public boolean offer(CloudEvent event, byte[] structured, Runnable delivered) {
        // An ending stream refuses, so that another member of its group takes the event.
        if (ending.get() || !channel.isActive()) {
            return false;
        }
        int events = pending.incrementAndGet();
        long bytes = pendingBytes.addAndGet(structured.length);
        if (events > limit || bytes > byteLimit && events > 1) {
            pending.decrementAndGet();
            pendingBytes.addAndGet(-structured.length);
            return false;
        }
        ChannelFuture write = channel.writeAndFlush(framing.event(event, structured)).addListener(written)
                .addListener(future -> pendingBytes.addAndGet(-structured.length));
        if (delivered != null) {
            write.addListener(future -> {
                if (future.isSuccess()) {
                    delivered.run();
                }
            });
        }
        return true;
    }

    @Override
    public void overflowed() {
        end("could not keep up: more than " + limit + " events or " + byteLimit
                + " bytes were waiting to be sent");
    }

    /** Ends the stream once, telling the backend why; any thread. */
    void end(String reason) {
        if (!ending.compareAndSet(false, true) || !channel.isActive()) {
            return;
        }
        LOG.info("event stream {} ends: {}", channel, reason);
        channel.eventLoop().execute(() -> {
            channel.writeAndFlush(framing.farewell(reason)).addListener(ChannelFutureListener.CLOSE);
            // The farewell waits behind the backlog; a backend that does not read at all is cut regardless.
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    /** Heartbeat, on the event loop; skipped while the socket is not taking writes (the backlog keeps it busy). */
    private void beat() {
        if (!ending.get() && channel.isWritable()) {
            channel.writeAndFlush(framing.heartbeat(), channel.voidPromise());
        }
    }
}
