package io.hatchway.bench;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Reads Hatchway's Kafka sink topic from the beginning of every partition, without a consumer group (nothing is
 * committed). Record values are the payload itself (binary mode) or the event JSON (structured mode); both hold
 * the id.
 */
final class KafkaSinkReader implements SinkReader {

    private final String bootstrapServers;
    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private boolean assigned;

    KafkaSinkReader(String bootstrapServers, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "hatchway-bench-verify");
        this.consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public long readMore(MessageIdScanner scanner, MessageIdScanner.IdConsumer ids) {
        if (!assigned) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            if (partitions == null || partitions.isEmpty()) {
                return 0; // not created yet
            }
            List<TopicPartition> all = partitions.stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            assigned = true;
        }
        long found = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            byte[] value = record.value();
            if (value != null) {
                found += scanner.scan(value, 0, value.length, ids);
            }
        }
        return found;
    }

    @Override
    public String describe() {
        return "kafka:" + bootstrapServers + "/" + topic;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
