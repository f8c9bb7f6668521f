package io.hatchway.commands;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.cloudevents.kafka.CloudEventSerializer;
import io.hatchway.events.EventMapper;
import io.hatchway.registry.Device;
import io.hatchway.registry.Registry;
import io.hatchway.registry.RegistrySnapshot;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Commands across instances: the command API publishes each command to a Kafka topic, and every instance consumes
 * that topic in a consumer group of its own and delivers each command to its local connections through the
 * {@link CommandRouter}. So a command sent to any instance reaches the device wherever it is connected. The API
 * answers once Kafka accepted the command; unknown applications and devices are refused before that.
 *
 * <p>Records are CloudEvents in the Kafka binary mode: type {@value #COMMAND_TYPE}, source
 * {@code drogue://{app}/{device}}, subject = the command name, extensions {@code application} and {@code device},
 * the payload as value, the HTTP content type as {@code content-type}; the key is {@code {app}/{device}}, so one
 * device's commands stay in order. Every instance reads all partitions from their end, with no consumer group:
 * commands are live, an instance that starts later does not replay old ones, and instance names need not be
 * unique. Sending runs on a thread of its own with a bounded queue (full: the API answers 503).
 */
public final class KafkaCommandBus implements CommandBus, AutoCloseable {

    public static final String COMMAND_TYPE = "io.drogue.command.v1";

    private static final int SEND_QUEUE = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCommandBus.class);

    private final Registry registry;
    private final CommandRouter local;
    private final String topic;
    private final KafkaProducer<String, CloudEvent> producer;
    private final ExecutorService sender;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread consumerThread;
    private final String bootstrapServers;
    private final Map<String, String> properties;
    private volatile boolean assigned;
    private volatile boolean running = true;

    /**
     * @param bootstrapServers the Kafka cluster
     * @param topic            the commands topic (created with one partition if missing)
     * @param instance         this instance's name (the consumer's client id)
     * @param properties       extra client properties (e.g. security settings), applied to producer and consumer
     */
    public KafkaCommandBus(Registry registry, CommandRouter local, String bootstrapServers, String topic,
                           String instance, Map<String, String> properties) {
        this.registry = registry;
        this.local = local;
        this.topic = topic;
        this.bootstrapServers = bootstrapServers;
        this.properties = Map.copyOf(properties);

        Properties producerConfig = new Properties();
        producerConfig.putAll(properties);
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // send() runs on a thread of its own (never an event loop), so it may wait a little for metadata
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new CloudEventSerializer());
        sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(SEND_QUEUE), r -> {
            Thread thread = new Thread(r, "hatchway-commands-producer");
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.AbortPolicy());

        Properties consumerConfig = new Properties();
        consumerConfig.putAll(properties);
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "hatchway-commands-" + instance);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try {
            consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (RuntimeException e) {
            sender.shutdownNow();
            producer.close(Duration.ZERO);
            throw e;
        }
        consumerThread = new Thread(this::consume, "hatchway-commands-consumer");
        consumerThread.setDaemon(true);
        consumerThread.start();
    }

    private static void createTopicIfMissing(String bootstrapServers, String topic, Map<String, String> properties) {
        Properties config = new Properties();
        config.putAll(properties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        Admin admin = Admin.create(config);
        try {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()))).all()
                    .get(30, TimeUnit.SECONDS);
            LOG.info("Created the commands topic {}", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warn("Cannot create the commands topic {} (it may be created on first use): {}", topic,
                        e.getCause().toString());
            }
        } catch (TimeoutException e) {
            LOG.warn("Kafka did not answer while creating the commands topic {}", topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }

    @Override
    public CompletableFuture<Delivery> send(String application, String deviceRef, String command, byte[] payload,
                                            String contentType) {
        RegistrySnapshot snapshot = registry.current();
        if (snapshot.application(application).isEmpty()) {
            return CompletableFuture.completedFuture(Delivery.of(Delivery.Outcome.UNKNOWN_APPLICATION));
        }
        Optional<Device> device = snapshot.device(application, deviceRef);
        if (device.isEmpty()) {
            return CompletableFuture.completedFuture(Delivery.of(Delivery.Outcome.UNKNOWN_DEVICE));
        }
        String name = device.get().name();
        CloudEventBuilder event = CloudEventBuilder.v1()
                .withId(UUID.randomUUID().toString())
                .withType(COMMAND_TYPE)
                .withSource(EventMapper.sourceOf(application, name))
                .withSubject(command)
                .withTime(OffsetDateTime.now(ZoneOffset.UTC))
                .withExtension("application", application)
                .withExtension("device", name);
        event = contentType == null ? event.withData(payload) : event.withData(contentType, payload);
        CompletableFuture<Delivery> result = new CompletableFuture<>();
        ProducerRecord<String, CloudEvent> record = new ProducerRecord<>(topic, application + "/" + name,
                event.build());
        try {
            sender.execute(() -> {
                try {
                    producer.send(record, (metadata, error) -> {
                        if (error != null) {
                            result.completeExceptionally(error);
                        } else {
                            result.complete(Delivery.of(Delivery.Outcome.PUBLISHED));
                        }
                    });
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("too many commands waiting for Kafka"));
        }
        return result;
    }

    @Override
    public boolean ready() {
        return assigned;
    }

    /**
     * Reads every partition of the topic from its end, without a consumer group (so every process gets every
     * command, whatever its instance name), decoding each record on its own: a record that is not a command is
     * skipped, and errors are retried, so the consumer never stops while the instance runs.
     */
    private void consume() {
        createTopicIfMissing(bootstrapServers, topic, properties);
        CloudEventDeserializer events = new CloudEventDeserializer();
        long backoff = 100;
        while (running) {
            try {
                if (!assigned) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                    if (partitions.isEmpty()) {
                        throw new IllegalStateException("topic " + topic + " has no partitions yet");
                    }
                    consumer.assign(partitions);
                    consumer.seekToEnd(partitions);
                    partitions.forEach(consumer::position);
                    assigned = true;
                    LOG.info("Delivering commands from {} ({} partitions)", topic, partitions.size());
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        deliver(events.deserialize(record.topic(), record.headers(), record.value()));
                    } catch (RuntimeException e) {
                        LOG.warn("Skipping record {} of {}: not a command ({})", record.offset(), topic, e.toString());
                    }
                }
                backoff = 100;
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                LOG.warn("Commands consumer of {}: {}; retrying in {} ms", topic, e.toString(), backoff);
                assigned = false;
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    break;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
        assigned = false;
        consumer.close(Duration.ofSeconds(5));
    }

    private void deliver(CloudEvent event) {
        if (event == null || !COMMAND_TYPE.equals(event.getType()) || event.getSubject() == null) {
            LOG.warn("Ignoring a record on {} that is not a command: {}", topic, event);
            return;
        }
        Object application = event.getExtension("application");
        Object device = event.getExtension("device");
        if (application == null || device == null) {
            LOG.warn("Ignoring command {} without application or device", event.getId());
            return;
        }
        byte[] payload = event.getData() == null ? new byte[0] : event.getData().toBytes();
        local.send(application.toString(), device.toString(), event.getSubject(), payload,
                event.getDataContentType()).whenComplete((delivery, error) -> {
                    if (error != null) {
                        LOG.warn("Command {} could not be delivered: {}", event.getId(), error.toString());
                    } else {
                        LOG.debug("Command {} for {}/{}: {}", event.getId(), application, device, delivery);
                    }
                });
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            consumerThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.shutdown();
        producer.close(Duration.ofSeconds(5));
    }
}
