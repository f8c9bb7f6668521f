package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.hatchway.events.KafkaSinkSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * With the Kafka sink, the {@link EventHub} is fed from Kafka rather than from this process's sink, so a backend
 * connected to any instance sees the events of devices connected to every instance. Shared groups are fed by
 * {@link KafkaGroupFeeds}; for the other subscriptions, one consumer per instance,
 * without a consumer group, reads the events topics of the applications some backend follows, from about when it
 * started following them (live, like the in-process hub). Records that are not CloudEvents are skipped; errors are
 * retried, so the feed runs as long as the instance.
 */
public final class KafkaEventFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventFeed.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Records from a little before a backend subscribed: producer and broker clocks differ slightly. */
    private static final Duration MARGIN = Duration.ofSeconds(1);

    private final KafkaSinkSettings settings;
    private final EventHub hub;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    public KafkaEventFeed(KafkaSinkSettings settings, EventHub hub, String instance) {
        this.settings = settings;
        this.hub = hub;
        Properties config = new Properties();
        config.putAll(settings.properties());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "hatchway-integration-" + instance);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "hatchway-integration-feed");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        CloudEventDeserializer events = new CloudEventDeserializer();
        Set<String> following = Set.of();
        long backoff = 100;
        while (running) {
            try {
                Map<String, Long> topics = topicsFollowed();
                if (!topics.keySet().equals(following)) {
                    following = follow(topics);
                }
                if (consumer.assignment().isEmpty()) {
                    // Nobody follows anything (yet): Kafka refuses to poll without partitions.
                    sleep(POLL.toMillis());
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    CloudEvent event;
                    try {
                        event = events.deserialize(record.topic(), record.headers(), record.value());
                    } catch (RuntimeException e) {
                        LOG.warn("Skipping record {} of {}: not a CloudEvent ({})", record.offset(), record.topic(),
                                e.toString());
                        continue;
                    }
                    hub.publishToSolo(event);
                }
                backoff = 100;
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("Integration feed: {}; retrying in {} ms", e.toString(), backoff);
                following = Set.of();
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
        consumer.close(Duration.ofSeconds(5));
    }

    /** The topics of the followed applications, with since when each is followed (the earliest, ms). */
    private Map<String, Long> topicsFollowed() {
        Map<String, Long> topics = new HashMap<>();
        for (String application : hub.applications()) {
            Long since = hub.followedSince(application);
            topics.merge(settings.topicOf(application), since == null ? System.currentTimeMillis() : since, Math::min);
        }
        return topics;
    }

    /**
     * Assigns the partitions of {@code topics}: those already read keep their position; new ones start at the
     * records written since their application is followed (less {@link #MARGIN}), so that no event accepted after
     * a backend subscribed is missed while the feed catches up, or at their end. A topic without partitions yet (no
     * event ever sent) is retried on the next round.
     */
    private Set<String> follow(Map<String, Long> topics) {
        Set<TopicPartition> current = consumer.assignment();
        List<TopicPartition> wanted = new ArrayList<>();
        Map<TopicPartition, Long> fresh = new HashMap<>();
        Set<String> ready = new HashSet<>();
        for (Map.Entry<String, Long> topic : topics.entrySet()) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic.getKey(), Duration.ofSeconds(5));
            if (partitions == null || partitions.isEmpty()) {
                continue;
            }
            ready.add(topic.getKey());
            for (PartitionInfo info : partitions) {
                TopicPartition partition = new TopicPartition(topic.getKey(), info.partition());
                wanted.add(partition);
                if (!current.contains(partition)) {
                    fresh.put(partition, Math.max(0, topic.getValue() - MARGIN.toMillis()));
                }
            }
        }
        consumer.assign(wanted);
        if (!fresh.isEmpty()) {
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(fresh, Duration.ofSeconds(5));
            List<TopicPartition> atEnd = new ArrayList<>();
            fresh.keySet().forEach(partition -> {
                OffsetAndTimestamp start = starts.get(partition);
                if (start == null) {
                    atEnd.add(partition);
                } else {
                    consumer.seek(partition, start.offset());
                }
            });
            consumer.seekToEnd(atEnd);
            atEnd.forEach(consumer::position);
            LOG.info("Backends now follow {}", ready);
        }
        return ready;
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
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
