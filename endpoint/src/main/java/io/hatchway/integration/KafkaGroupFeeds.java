package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.hatchway.events.KafkaSinkSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * With the Kafka sink, every shared group ({@code $share/<group>/app/<app>...} on the MQTT integration,
 * {@code group_id} on event streams) is one Kafka consumer group, {@code hatchway-share.<app>.<group>[.<channel>]}:
 * the instances where the group has members share the topic's partitions, and each record goes to one member, in
 * turn. Offsets are committed only up to the first record not yet delivered (written to the member's socket, or
 * acknowledged by it at QoS 1), so the group gets its events at least once: after a restart or a rebalance it
 * resumes from there, and when a member leaves with records it had not delivered, the group reads again from the
 * first of them (records after it may come twice). A new group starts at the end of the topic. One thread polls the
 * groups of this instance in turn.
 */
public final class KafkaGroupFeeds implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaGroupFeeds.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final long RETRY_MILLIS = 100;
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaSinkSettings settings;
    private final EventHub hub;
    private final String instance;
    private final Map<EventHub.GroupKey, GroupConsumer> consumers = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public KafkaGroupFeeds(KafkaSinkSettings settings, EventHub hub, String instance) {
        this.settings = settings;
        this.hub = hub;
        this.instance = instance;
        this.thread = new Thread(this::run, "hatchway-integration-groups");
        thread.setDaemon(true);
        thread.start();
    }

    /** The Kafka consumer group of a shared group. */
    static String groupId(EventHub.GroupKey key) {
        String channel = key.filter().channel();
        return "hatchway-share." + key.filter().application() + "." + key.group() + (channel == null ? "" : "." + channel);
    }

    private void run() {
        while (running) {
            try {
                Set<EventHub.GroupKey> wanted = hub.groups();
                consumers.keySet().removeIf(key -> {
                    if (wanted.contains(key)) {
                        return false;
                    }
                    consumers.get(key).close();
                    return true;
                });
                for (EventHub.GroupKey key : wanted) {
                    consumers.computeIfAbsent(key, GroupConsumer::new);
                }
                if (consumers.isEmpty()) {
                    sleep(RETRY_MILLIS);
                }
                for (GroupConsumer consumer : consumers.values()) {
                    consumer.round();
                }
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("Shared group feed: {}; retrying", e.toString());
                sleep(RETRY_MILLIS);
            }
        }
        consumers.values().forEach(GroupConsumer::close);
    }

    /** One shared group's Kafka consumer. Its thread only, except {@link #done}. */
    private final class GroupConsumer implements ConsumerRebalanceListener {
        private final EventHub.GroupKey key;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final CloudEventDeserializer events = new CloudEventDeserializer();
        /** Offsets handed to a member and not yet delivered, per partition. */
        private final Map<TopicPartition, TreeSet<Long>> outstanding = new HashMap<>();
        /** The next offset of each partition: what to commit when nothing is outstanding. */
        private final Map<TopicPartition, Long> next = new HashMap<>();
        private final Map<TopicPartition, Long> committed = new HashMap<>();
        /** Delivered records, from the members' threads. */
        private final Queue<Map.Entry<TopicPartition, Long>> done = new ConcurrentLinkedQueue<>();
        private int departures;

        GroupConsumer(EventHub.GroupKey key) {
            this.key = key;
            Properties config = new Properties();
            config.putAll(settings.properties());
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId(key));
            config.put(ConsumerConfig.CLIENT_ID_CONFIG, "hatchway-share-" + instance + "-" + key.group());
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            this.departures = hub.departures(key);
            consumer.subscribe(List.of(settings.topicOf(key.filter().application())), this);
            LOG.info("Shared group {} of {} reads as Kafka consumer group {}", key.group(),
                    key.filter().application(), groupId(key));
        }

        void round() {
            settleDelivered();
            int left = hub.departures(key);
            if (left != departures) {
                departures = left;
                rewind();
            }
            commit(false);
            ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
            for (TopicPartition partition : records.partitions()) {
                dispatch(partition, records.records(partition));
            }
        }

        private void dispatch(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
            TreeSet<Long> offsets = outstanding.computeIfAbsent(partition, p -> new TreeSet<>());
            for (ConsumerRecord<byte[], byte[]> record : records) {
                long offset = record.offset();
                CloudEvent event;
                try {
                    event = events.deserialize(record.topic(), record.headers(), record.value());
                } catch (RuntimeException e) {
                    LOG.warn("Skipping record {} of {}: not a CloudEvent ({})", offset, record.topic(), e.toString());
                    next.put(partition, offset + 1);
                    continue;
                }
                if (!key.filter().matches(event)) {
                    next.put(partition, offset + 1);
                    continue;
                }
                offsets.add(offset);
                if (!hub.offerToGroup(key, event, () -> done.add(Map.entry(partition, offset)))) {
                    // No member could take it: read it again on a later round.
                    offsets.remove(offset);
                    consumer.seek(partition, offset);
                    sleep(RETRY_MILLIS);
                    return;
                }
                next.put(partition, offset + 1);
            }
        }

        /** A member left: what it had not delivered is read again, from the first such record on. */
        private void rewind() {
            outstanding.forEach((partition, offsets) -> {
                if (!offsets.isEmpty()) {
                    LOG.info("Group {}: a member left with {} records not delivered; reading {} again from {}",
                            groupId(key), offsets.size(), partition, offsets.first());
                    consumer.seek(partition, offsets.first());
                    next.put(partition, offsets.first());
                    offsets.clear();
                }
            });
        }

        /** Records the members delivered since the last round are no longer outstanding. */
        private void settleDelivered() {
            for (Map.Entry<TopicPartition, Long> entry = done.poll(); entry != null; entry = done.poll()) {
                TreeSet<Long> offsets = outstanding.get(entry.getKey());
                if (offsets != null) {
                    offsets.remove(entry.getValue());
                }
            }
        }

        /** Commits up to the first outstanding record of each partition; waits for it if {@code sync}. */
        private void commit(boolean sync) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            next.forEach((partition, nextOffset) -> {
                TreeSet<Long> pending = outstanding.get(partition);
                long upTo = pending == null || pending.isEmpty() ? nextOffset : pending.first();
                if (!Long.valueOf(upTo).equals(committed.get(partition))) {
                    offsets.put(partition, new OffsetAndMetadata(upTo));
                    committed.put(partition, upTo);
                }
            });
            if (offsets.isEmpty()) {
                return;
            }
            if (sync) {
                try {
                    consumer.commitSync(offsets, COMMIT_TIMEOUT);
                } catch (RuntimeException e) {
                    LOG.debug("Group {}: commit failed ({}), retried with the next", groupId(key), e.toString());
                    offsets.keySet().forEach(committed::remove);
                }
            } else {
                consumer.commitAsync(offsets, (result, error) -> {
                    if (error != null) {
                        LOG.debug("Group {}: commit failed ({}), retried with the next", groupId(key), error.toString());
                        result.keySet().forEach(committed::remove);
                    }
                });
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // The next owner reads from the committed offsets: what was delivered meanwhile counts, and waits.
            settleDelivered();
            commit(true);
            partitions.forEach(partition -> {
                outstanding.remove(partition);
                next.remove(partition);
                committed.remove(partition);
            });
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.debug("Group {}: assigned {}", groupId(key), partitions);
        }

        void close() {
            try {
                settleDelivered();
                commit(true);
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("Group {}: close: {}", groupId(key), e.toString());
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
