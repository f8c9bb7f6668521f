package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.hatchway.events.EventLines;
import io.hatchway.events.EventMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands every event the sink accepted to the backends subscribed to its application (live: a subscriber sees the
 * events accepted after it subscribed). A subscription is for all of an application's events or those of one
 * channel (the event's {@code subject}); subscriptions in a shared group get each event once, in turn. A subscriber
 * that cannot take an event (its bounded queue is full) is told so, and ends its connection rather than slow the
 * devices down or let memory grow. Thread-safe: {@link #publish} runs on the sink's thread and never blocks.
 */
public final class EventHub {

    /** A backend connection's end of a subscription. */
    public interface Subscriber {
        /**
         * Takes one event without blocking, from any thread; false if its queue is full.
         *
         * @param structured the event in the CloudEvents JSON format (structured mode), shared by all subscribers
         */
        boolean offer(CloudEvent event, byte[] structured);

        /**
         * Like {@link #offer(CloudEvent, byte[])}; {@code delivered} runs (on any thread, at most once) when the
         * event has reached the backend: written to its socket, or acknowledged by it at QoS 1. By default, at once.
         */
        default boolean offer(CloudEvent event, byte[] structured, Runnable delivered) {
            if (!offer(event, structured)) {
                return false;
            }
            delivered.run();
            return true;
        }

        /** Could not take an event: the subscriber ends its connection (it has lost events). Any thread. */
        void overflowed();
    }

    /**
     * What a subscription receives.
     *
     * @param application the application whose events
     * @param channel     only events of this channel, or null for all
     * @param singleLevel with no channel: only events whose channel is one topic level (no {@code /}), as an MQTT
     *                    filter {@code app/<app>/+} matches
     */
    public record Filter(String application, String channel, boolean singleLevel) {
        public Filter {
            Objects.requireNonNull(application, "application");
        }

        public Filter(String application, String channel) {
            this(application, channel, false);
        }

        boolean matches(CloudEvent event) {
            if (channel != null) {
                return channel.equals(event.getSubject());
            }
            return !singleLevel || event.getSubject() != null && event.getSubject().indexOf('/') < 0;
        }
    }

    /** A shared subscription group of an application: {@code group} and the filter its members subscribed with. */
    public record GroupKey(String group, Filter filter) {
    }

    private record Member(Filter filter, Subscriber subscriber) {
    }

    private static final class Group {
        final List<Subscriber> members;
        final AtomicInteger turn;

        Group(List<Subscriber> members, AtomicInteger turn) {
            this.members = List.copyOf(members);
            this.turn = turn;
        }
    }

    /** One application's subscriptions, replaced as a whole on every change. */
    private record Subscriptions(List<Member> solo, Map<GroupKey, Group> groups) {
        static final Subscriptions NONE = new Subscriptions(List.of(), Map.of());

        boolean isEmpty() {
            return solo.isEmpty() && groups.isEmpty();
        }
    }

    private static final ThreadLocal<EventLines> LINES = ThreadLocal.withInitial(EventLines::new);

    private final ConcurrentMap<String, Subscriptions> byApplication = new ConcurrentHashMap<>();
    /** When each followed application got its first subscriber (wall clock, ms). */
    private final ConcurrentMap<String, Long> followedSince = new ConcurrentHashMap<>();
    /** Per group, kept while the process runs: a group that empties and fills again keeps counting. */
    private final ConcurrentMap<GroupKey, AtomicInteger> departures = new ConcurrentHashMap<>();

    /** The applications some backend follows now. */
    public java.util.Set<String> applications() {
        return java.util.Set.copyOf(byApplication.keySet());
    }

    /** Since when (wall clock, ms) some backend follows {@code application}, or null if none does. */
    public Long followedSince(String application) {
        return followedSince.get(application);
    }

    /** Whether any backend follows {@code application}: if not, its events need not be offered. */
    public boolean hasSubscribers(String application) {
        return byApplication.containsKey(application);
    }

    /**
     * Subscribes; closing the result unsubscribes (once; later calls do nothing).
     *
     * @param group the shared subscription group, or null for a subscription of its own
     */
    public Runnable subscribe(Filter filter, String group, Subscriber subscriber) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(subscriber, "subscriber");
        byApplication.compute(filter.application(), (app, current) -> {
            if (current == null) {
                followedSince.put(app, System.currentTimeMillis());
            }
            return with(current == null ? Subscriptions.NONE : current, filter, group, subscriber);
        });
        return () -> byApplication.computeIfPresent(filter.application(), (app, current) -> {
            Subscriptions rest = without(current, filter, group, subscriber);
            if (rest.isEmpty()) {
                followedSince.remove(app);
                return null;
            }
            return rest;
        });
    }

    /** Offers an accepted event to its application's subscribers, shared groups included. */
    public void publish(CloudEvent event) {
        publish(event, true);
    }

    /**
     * Offers an event to the subscribers that are not in a shared group: with Kafka, groups are fed by Kafka
     * consumer groups of their own ({@link #offerToGroup}).
     */
    public void publishToSolo(CloudEvent event) {
        publish(event, false);
    }

    private void publish(CloudEvent event, boolean groups) {
        Object application = event.getExtension(EventMapper.EXT_APPLICATION);
        Subscriptions subscriptions = application == null ? null : byApplication.get(application.toString());
        if (subscriptions == null) {
            return;
        }
        byte[] structured = null;
        for (Member member : subscriptions.solo()) {
            if (member.filter().matches(event)) {
                structured = structured != null ? structured : LINES.get().json(event);
                if (!member.subscriber().offer(event, structured)) {
                    member.subscriber().overflowed();
                }
            }
        }
        if (!groups) {
            return;
        }
        for (Map.Entry<GroupKey, Group> entry : subscriptions.groups().entrySet()) {
            if (entry.getKey().filter().matches(event)) {
                structured = structured != null ? structured : LINES.get().json(event);
                offerToOne(entry.getValue(), event, structured, () -> { });
            }
        }
    }

    /** The shared groups that have members now. */
    public java.util.Set<GroupKey> groups() {
        java.util.Set<GroupKey> groups = new java.util.HashSet<>();
        byApplication.values().forEach(subscriptions -> groups.addAll(subscriptions.groups().keySet()));
        return groups;
    }

    /** How many members have left {@code key} so far: events a leaving member had not delivered go to others. */
    public int departures(GroupKey key) {
        AtomicInteger left = departures.get(key);
        return left == null ? 0 : left.get();
    }

    /**
     * Gives an event to one member of the group, in turn, if its filter matches.
     *
     * @param delivered runs once a member has delivered it (see {@link Subscriber#offer(CloudEvent, byte[], Runnable)})
     * @return false if no member could take it (none left, or all full): the caller offers it again later
     */
    public boolean offerToGroup(GroupKey key, CloudEvent event, Runnable delivered) {
        Subscriptions subscriptions = byApplication.get(key.filter().application());
        Group group = subscriptions == null ? null : subscriptions.groups().get(key);
        return group != null && offerToOne(group, event, LINES.get().json(event), delivered);
    }

    /** The next member in turn takes it; a full member is cut off and the next one tried. */
    private static boolean offerToOne(Group group, CloudEvent event, byte[] structured, Runnable delivered) {
        int size = group.members.size();
        int first = Math.floorMod(group.turn.getAndIncrement(), size);
        for (int i = 0; i < size; i++) {
            Subscriber member = group.members.get((first + i) % size);
            if (member.offer(event, structured, delivered)) {
                return true;
            }
            member.overflowed();
        }
        return false;
    }

    private static Subscriptions with(Subscriptions current, Filter filter, String group, Subscriber subscriber) {
        if (group == null) {
            List<Member> solo = new ArrayList<>(current.solo());
            solo.add(new Member(filter, subscriber));
            return new Subscriptions(List.copyOf(solo), current.groups());
        }
        Map<GroupKey, Group> groups = new LinkedHashMap<>(current.groups());
        GroupKey key = new GroupKey(group, filter);
        Group existing = groups.get(key);
        List<Subscriber> members = new ArrayList<>(existing == null ? List.of() : existing.members);
        members.add(subscriber);
        groups.put(key, new Group(members, existing == null ? new AtomicInteger() : existing.turn));
        return new Subscriptions(current.solo(), Map.copyOf(groups));
    }

    private Subscriptions without(Subscriptions current, Filter filter, String group, Subscriber subscriber) {
        if (group == null) {
            List<Member> solo = new ArrayList<>(current.solo());
            solo.remove(new Member(filter, subscriber));
            return new Subscriptions(List.copyOf(solo), current.groups());
        }
        Map<GroupKey, Group> groups = new LinkedHashMap<>(current.groups());
        GroupKey key = new GroupKey(group, filter);
        Group existing = groups.get(key);
        if (existing != null) {
            List<Subscriber> members = new ArrayList<>(existing.members);
            members.remove(subscriber);
            departures.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (members.isEmpty()) {
                groups.remove(key);
            } else {
                groups.put(key, new Group(members, existing.turn));
            }
        }
        return new Subscriptions(current.solo(), Map.copyOf(groups));
    }
}
