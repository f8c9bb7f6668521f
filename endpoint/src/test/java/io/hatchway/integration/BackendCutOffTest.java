package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.hatchway.mqtt.Session;
import io.hatchway.mqtt.SessionState;
import io.hatchway.registry.Application;
import io.hatchway.registry.ApplicationMqtt;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A backend that is cut off: closed even if it stops reading, and no longer taking its group's turns. */
class BackendCutOffTest {

    /** Takes every write and completes none, like a socket whose reader stopped reading. */
    private static final class Stalled extends ChannelOutboundHandlerAdapter {
        final List<Object> writes = new ArrayList<>();
        final List<ChannelPromise> promises = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            writes.add(msg);
            promises.add(promise);
        }
    }

    private static CloudEvent event(String id) {
        return CloudEventBuilder.v1().withId(id).withType("io.drogue.event.v1")
                .withSource(URI.create("drogue://my-app/device1")).withSubject("temp")
                .withExtension("application", "my-app").withExtension("device", "device1")
                .withData("application/json", "{\"t\":21}".getBytes(StandardCharsets.UTF_8)).build();
    }

    @Test
    void aV5BackendThatStopsReadingIsClosedAfterItIsCutOff() {
        EmbeddedChannel channel = new EmbeddedChannel();
        Stalled stalled = new Stalled();
        channel.pipeline().addFirst(stalled);
        Session session = Session.attach(channel);
        session.version(MqttVersion.MQTT_5);
        session.state(SessionState.AUTHENTICATING);
        session.state(SessionState.CONNECTED);
        Backend backend = Backend.attach(channel, new Application("my-app", false, List.of(), ApplicationMqtt.DEFAULTS),
                false, 3, Long.MAX_VALUE, 65_535, Long.MAX_VALUE);
        EventHub hub = new EventHub();
        hub.subscribe(new EventHub.Filter("my-app", null), null,
                new BackendDelivery(channel, backend, null, MqttQoS.AT_MOST_ONCE));
        for (int i = 0; i < 5; i++) {
            hub.publish(event("e-" + i));
            channel.runPendingTasks();
        }
        MqttMessage last = (MqttMessage) stalled.writes.get(stalled.writes.size() - 1);
        assertEquals(MqttMessageType.DISCONNECT, last.fixedHeader().messageType(), "cut off with 0x97");
        // An hour later (keep-alive long past, any grace long past): still open, still subscribed.
        channel.advanceTimeBy(1, TimeUnit.HOURS);
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
        boolean open = channel.isOpen();
        boolean subscribed = hub.hasSubscribers("my-app");
        stalled.writes.forEach(ReferenceCountUtil::release);
        assertFalse(open, "open=" + open + " subscribed=" + subscribed);
    }

    private static EmbeddedChannel backendChannel(Stalled stalled) {
        EmbeddedChannel channel = new EmbeddedChannel();
        if (stalled != null) {
            channel.pipeline().addFirst(stalled);
        }
        Session session = Session.attach(channel);
        session.version(MqttVersion.MQTT_5);
        session.state(SessionState.AUTHENTICATING);
        session.state(SessionState.CONNECTED);
        return channel;
    }

    @Test
    void aSharedGroupMemberThatIsBeingCutOffDoesNotSwallowTheGroupsEvents() {
        Application app = new Application("my-app", false, List.of(), ApplicationMqtt.DEFAULTS);
        EventHub hub = new EventHub();
        Stalled stalled = new Stalled();
        EmbeddedChannel slow = backendChannel(stalled);
        Backend slowBackend = Backend.attach(slow, app, false, 3, Long.MAX_VALUE, 65_535, Long.MAX_VALUE);
        EmbeddedChannel fast = backendChannel(null);
        Backend fastBackend = Backend.attach(fast, app, false, 1000, Long.MAX_VALUE, 65_535, Long.MAX_VALUE);
        EventHub.Filter all = new EventHub.Filter("my-app", null);
        hub.subscribe(all, "g", new BackendDelivery(slow, slowBackend, null, MqttQoS.AT_MOST_ONCE));
        hub.subscribe(all, "g", new BackendDelivery(fast, fastBackend, null, MqttQoS.AT_MOST_ONCE));
        // Fill the slow member until it is cut off (DISCONNECT 0x97 waits behind its backlog).
        int i = 0;
        while (stalled.writes.isEmpty() || !(stalled.writes.get(stalled.writes.size() - 1) instanceof MqttMessage m
                && m.fixedHeader().messageType() == MqttMessageType.DISCONNECT)) {
            hub.publish(event("fill-" + i++));
            slow.runPendingTasks();
            fast.runPendingTasks();
            if (stalled.writes.isEmpty()) { continue; }
        }
        // The slow backend reads its backlog (not yet the DISCONNECT): its queued count falls back to 0.
        for (int k = 0; k < stalled.promises.size() - 1; k++) {
            stalled.promises.get(k).setSuccess();
        }
        Object drained;
        while ((drained = fast.readOutbound()) != null) {
            ReferenceCountUtil.release(drained);
        }
        int written = stalled.writes.size();
        for (int k = 0; k < 10; k++) {
            hub.publish(event("after-" + k));
            slow.runPendingTasks();
            fast.runPendingTasks();
        }
        int toFast = 0;
        Object out;
        while ((out = fast.readOutbound()) != null) {
            toFast++;
            ReferenceCountUtil.release(out);
        }
        int toSlow = stalled.writes.size() - written;
        stalled.writes.forEach(ReferenceCountUtil::release);
        assertEquals(10, toFast, "group events after the cut-off: fast got " + toFast + ", slow wrote " + toSlow
                + ", lost " + (10 - toFast - toSlow));
    }
    @Test
    void theQueueIsBoundedInBytesTooButAnEmptyOneTakesAnyEvent() {
        Backend backend = Backend.attach(new EmbeddedChannel(), new Application("my-app", false, List.of(),
                ApplicationMqtt.DEFAULTS), false, 1000, 100, 65_535, Long.MAX_VALUE);
        assertTrue(backend.reserve(150), "a single event larger than the byte limit fits an empty queue");
        assertFalse(backend.reserve(1), "nothing more while it waits");
        backend.release(150);
        assertTrue(backend.reserve(60));
        assertFalse(backend.reserve(60), "120 bytes would pass the limit of 100");
        assertTrue(backend.reserve(40));
    }
}
