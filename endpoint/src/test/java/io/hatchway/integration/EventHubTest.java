package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.hatchway.events.EventMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who gets which event: filters, shared groups, full subscribers. */
class EventHubTest {

    private final EventMapper mapper = new EventMapper("test");
    private final EventHub hub = new EventHub();

    /** Takes up to {@code capacity} events, then refuses. */
    private static final class Recorder implements EventHub.Subscriber {
        final List<String> subjects = new ArrayList<>();
        final int capacity;
        int overflows;

        Recorder(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public boolean offer(CloudEvent event, byte[] structured) {
            if (subjects.size() >= capacity) {
                return false;
            }
            assertTrue(new String(structured, StandardCharsets.UTF_8).contains("\"id\":\"" + event.getId() + "\""));
            subjects.add(event.getSubject());
            return true;
        }

        @Override
        public void overflowed() {
            overflows++;
        }
    }

    @Test
    void subscribersGetTheirApplicationsEventsOfTheirChannel() {
        Recorder all = new Recorder(100);
        Recorder temp = new Recorder(100);
        Recorder other = new Recorder(100);
        hub.subscribe(new EventHub.Filter("app1", null), null, all);
        hub.subscribe(new EventHub.Filter("app1", "temp"), null, temp);
        hub.subscribe(new EventHub.Filter("app2", null), null, other);
        hub.publish(event("app1", "temp"));
        hub.publish(event("app1", "humidity"));
        assertEquals(List.of("temp", "humidity"), all.subjects);
        assertEquals(List.of("temp"), temp.subjects);
        assertEquals(List.of(), other.subjects);
    }

    @Test
    void groupMembersTakeTurnsAndAFullMemberIsCutOffWithoutLosingTheEvent() {
        Recorder first = new Recorder(100);
        Recorder full = new Recorder(0);
        Recorder third = new Recorder(100);
        for (Recorder member : List.of(first, full, third)) {
            hub.subscribe(new EventHub.Filter("app1", null), "g", member);
        }
        for (int i = 0; i < 6; i++) {
            hub.publish(event("app1", "c" + i));
        }
        assertEquals(6, first.subjects.size() + third.subjects.size(), "each event once");
        // Turns go round first, full, third; full's turns pass to the next member.
        assertEquals(List.of("c0", "c3"), first.subjects);
        assertEquals(List.of("c1", "c2", "c4", "c5"), third.subjects);
        assertEquals(2, full.overflows, "told each time it could not take its turn");
    }

    @Test
    void unsubscribingStopsDeliveryAndForgetsTheApplication() {
        Recorder recorder = new Recorder(100);
        Runnable unsubscribe = hub.subscribe(new EventHub.Filter("app1", null), null, recorder);
        assertTrue(hub.hasSubscribers("app1"));
        unsubscribe.run();
        unsubscribe.run();
        hub.publish(event("app1", "late"));
        assertEquals(List.of(), recorder.subjects);
        assertFalse(hub.hasSubscribers("app1"));
    }

    @Test
    void aSingleLevelFilterTakesOnlyChannelsOfOneLevel() {
        Recorder plus = new Recorder(100);
        hub.subscribe(new EventHub.Filter("app1", null, true), null, plus);
        hub.publish(event("app1", "temp"));
        hub.publish(event("app1", "sensors/room1"));
        assertEquals(List.of("temp"), plus.subjects);
    }

    @Test
    void aGroupThatEmptiesAndFillsAgainKeepsCountingItsDepartures() {
        EventHub.GroupKey key = new EventHub.GroupKey("g", new EventHub.Filter("app1", null));
        Runnable leave = hub.subscribe(key.filter(), "g", new Recorder(1));
        leave.run();
        hub.subscribe(key.filter(), "g", new Recorder(1));
        assertEquals(1, hub.departures(key), "the undelivered events of the member that left are still owed");
    }

    private CloudEvent event(String application, String channel) {
        return mapper.map(application, "device1", "device1", channel, "{}".getBytes(StandardCharsets.UTF_8),
                null, Instant.now());
    }
}
