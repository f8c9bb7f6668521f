package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.hatchway.events.KafkaSinkSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * With the Kafka sink, the {@link EventHub} is fed from Kafka rather than from this process's sink, so a backend
 * connected to any instance sees the events of devices connected to every instance. Shared groups are fed by
 * {@link KafkaGroupFeeds}; for the other subscriptions, one consumer per instance,
 * without a consumer group, reads the events topics of the applications some backend follows, from their end when
 * it starts following them (live, like the in-process hub). Records that are not CloudEvents are skipped; errors are
 * retried, so the feed runs as long as the instance.
 */
public final class KafkaEventFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventFeed.class);
    private static final Duration POLL = Duration.ofMillis(200);

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
                Set<String> topics = topicsFollowed();
                if (!topics.equals(following)) {
                    following = follow(topics);
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

    private Set<String> topicsFollowed() {
        Set<String> topics = new HashSet<>();
        for (String application : hub.applications()) {
            topics.add(settings.topicOf(application));
        }
        return topics;
    }

    /**
     * Assigns the partitions of {@code topics}: those already read keep their position, new ones start at their end.
     * A topic without partitions yet (no event ever sent) is retried on the next round.
     */
    private Set<String> follow(Set<String> topics) {
        Set<TopicPartition> current = consumer.assignment();
        List<TopicPartition> wanted = new ArrayList<>();
        Set<String> ready = new HashSet<>();
        for (String topic : topics) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (partitions == null || partitions.isEmpty()) {
                continue;
            }
            ready.add(topic);
            partitions.forEach(p -> wanted.add(new TopicPartition(topic, p.partition())));
        }
        List<TopicPartition> fresh = wanted.stream().filter(p -> !current.contains(p)).toList();
        consumer.assign(wanted);
        if (!fresh.isEmpty()) {
            consumer.seekToEnd(fresh);
            fresh.forEach(consumer::position);
            LOG.info("Backends now follow {}", ready);
        }
        return ready.equals(topics) ? topics : ready;
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
