package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventSerializer;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes events to Kafka with the CloudEvents Kafka protocol binding, one record per event.
 *
 * <h2>Record format</h2>
 * <ul>
 *   <li><b>Topic:</b> {@link KafkaSinkSettings#topic()} with {@code {app}} replaced by the event's {@code application}
 *       extension, used as is when it is a valid Kafka topic name ({@code [a-zA-Z0-9._-]}, 1 to 249 characters, not
 *       {@code .} or {@code ..}); otherwise every other character becomes {@code _}, the name is cut to 240
 *       characters and {@code -} plus 8 hex digits of the SHA-256 of the unmapped name is appended, so that
 *       different applications do not share a topic ({@code events-my app} becomes {@code events-my_app-xxxxxxxx}).
 *       </li>
 *   <li><b>Key:</b> the {@code partitionkey} extension ({@code {application}/{sender}}), UTF-8; no key if absent.
 *       </li>
 *   <li><b>Binary mode</b> (default): every attribute and extension as a {@code ce_<name>} header with its UTF-8
 *       string value ({@code ce_specversion}, {@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_subject},
 *       {@code ce_time}, {@code ce_application}, {@code ce_device}, {@code ce_sender}, {@code ce_partitionkey},
 *       {@code ce_instance}), {@code datacontenttype} as header {@code content-type}, and the payload bytes unchanged
 *       as value.</li>
 *   <li><b>Structured mode:</b> header {@code content-type: application/cloudevents+json} and the event in the
 *       CloudEvents JSON format as value.</li>
 * </ul>
 *
 * <h2>Guarantees</h2>
 * Besides those of {@link EventSink}:
 * <ul>
 *   <li><b>Durable</b> means Kafka acknowledged the record with the producer's {@code acks} ({@code all} unless
 *       overridden): a future completes normally in the producer's callback for that record. It fails with
 *       {@link SinkException} when the producer gives up on the record, at the latest after
 *       {@code delivery.timeout.ms} (120 s by default), e.g. while no broker can be reached.</li>
 *   <li><b>Never blocks:</b> the producer runs with {@code max.block.ms=0} and {@code buffer.memory} =
 *       {@link KafkaSinkSettings#bufferBytes()}; when the buffer is full the send fails at once with
 *       {@link SinkFullException}. The producer fails a record at once too when it has no metadata for the topic
 *       yet; such records are parked instead (their bytes count against the same bound) while the sink's own thread
 *       polls for the metadata every {@value #METADATA_POLL_MS} ms, then sent in order. Parked records fail with
 *       {@link SinkException} if the topic's metadata does not come within {@code delivery.timeout.ms}.</li>
 *   <li><b>Order:</b> with idempotence on, records of one partition are written and acknowledged in the order they
 *       were sent, even across retries. Events with the same partition key go to the same topic and partition, so
 *       one sender's events sent from one thread are kept in order; events with different keys may be acknowledged
 *       in any order, as Kafka relates no order across partitions.</li>
 *   <li>{@link #close()} waits up to {@value #CLOSE_TIMEOUT_SECONDS} s for parked and buffered records to be
 *       acknowledged ({@code KafkaProducer.close(timeout)}), then fails what is left.</li>
 * </ul>
 *
 * <p>Producer defaults: {@code acks=all}, {@code enable.idempotence=true}; other producer settings are Kafka's unless
 * {@link KafkaSinkSettings#properties()} sets them. Futures complete on the producer's I/O thread, or on the sink's
 * metadata thread for parked records that fail.
 */
public final class KafkaSink implements EventSink {

    /**
     * Producer properties that {@link KafkaSinkSettings#properties()} must not set: the sink sets them itself, as its
     * contract depends on them ({@code buffer.memory} comes from {@link KafkaSinkSettings#bufferBytes()}).
     */
    public static final Set<String> RESERVED_PROPERTIES = Set.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.MAX_BLOCK_MS_CONFIG, ProducerConfig.BUFFER_MEMORY_CONFIG,
            ProducerConfig.ACKS_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            CloudEventSerializer.ENCODING_CONFIG, CloudEventSerializer.EVENT_FORMAT_CONFIG);

    static final long METADATA_POLL_MS = 20;
    static final long CLOSE_TIMEOUT_SECONDS = 30;

    /** Estimated size of a parked record besides its data, for the bound on parked bytes. */
    private static final int PARKED_OVERHEAD_BYTES = 512;
    private static final long DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
    private static final int DEFAULT_BATCH_SIZE = 16_384;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);

    private final String topicTemplate;
    private final long bufferBytes;
    private final long metadataWaitNanos;
    private final Producer<String, CloudEvent> producer;
    private final ScheduledExecutorService metadataThread;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final AtomicLong parkedBytes = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile boolean closed;
    /** The producer's I/O thread, learnt from the first callback; close() must not wait on it. */
    private volatile Thread ioThread;
    private volatile Thread metadataThreadRef;

    /**
     * Creates the producer; it connects to Kafka lazily, so an unreachable Kafka shows as failing sends.
     *
     * @param settings where and how to write
     * @throws IllegalArgumentException if the properties set a {@linkplain #RESERVED_PROPERTIES reserved} property
     *         or the buffer is smaller than {@code batch.size}
     * @throws org.apache.kafka.common.KafkaException if Kafka rejects the producer configuration
     */
    public KafkaSink(KafkaSinkSettings settings) {
        Objects.requireNonNull(settings, "settings");
        for (String key : settings.properties().keySet()) {
            if (RESERVED_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException("Kafka sink property '" + key + "' cannot be set: the sink sets "
                        + "it itself (reserved: " + RESERVED_PROPERTIES + ")");
            }
        }
        long batchSize = longProperty(settings, ProducerConfig.BATCH_SIZE_CONFIG, DEFAULT_BATCH_SIZE);
        if (settings.bufferBytes() < batchSize) {
            throw new IllegalArgumentException("Kafka sink bufferBytes (" + settings.bufferBytes()
                    + ") must be at least the producer's batch.size (" + batchSize + ")");
        }
        this.topicTemplate = settings.topic();
        this.bufferBytes = settings.bufferBytes();
        this.metadataWaitNanos = TimeUnit.MILLISECONDS.toNanos(
                longProperty(settings, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DEFAULT_DELIVERY_TIMEOUT_MS));

        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.putAll(settings.properties());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0L);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, settings.bufferBytes());

        CloudEventSerializer values = new CloudEventSerializer();
        if (settings.mode() == KafkaSinkSettings.Mode.STRUCTURED) {
            values.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.STRUCTURED,
                    CloudEventSerializer.EVENT_FORMAT_CONFIG, JsonFormat.CONTENT_TYPE), false);
        } else {
            values.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
        }
        this.producer = new KafkaProducer<>(config, new StringSerializer(), values);
        this.metadataThread = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "hatchway-kafka-metadata");
            thread.setDaemon(true);
            metadataThreadRef = thread;
            return thread;
        });
    }

    @Override
    public CompletableFuture<Void> send(CloudEvent event) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            return failed(new SinkException("Kafka sink is closed"));
        }
        String topic;
        try {
            topic = topicFor(topicTemplate, event);
        } catch (SinkException e) {
            return failed(e);
        }
        Delivery delivery = new Delivery(new ProducerRecord<>(topic, null, extension(event,
                EventMapper.EXT_PARTITION_KEY), event));
        Route route = routes.computeIfAbsent(topic, Route::new);
        if (route.ready) {
            Outcome outcome = trySend(delivery, true);
            if (outcome == Outcome.NO_METADATA) {
                park(route, delivery);
            }
            return delivery.future;
        }
        synchronized (route) {
            if (route.ready) {
                if (trySend(delivery, true) != Outcome.NO_METADATA) {
                    return delivery.future;
                }
            }
            park(route, delivery);
        }
        return delivery.future;
    }

    /**
     * Stops accepting events, waits up to {@value #CLOSE_TIMEOUT_SECONDS} s for every accepted event to be
     * acknowledged, fails the rest, and closes the producer. Called from a completion callback on the producer's I/O
     * thread, it only initiates this on another thread.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        if (Thread.currentThread() == ioThread || Thread.currentThread() == metadataThreadRef) {
            Thread closer = new Thread(this::closeNow, "hatchway-kafka-close");
            closer.setDaemon(true);
            closer.start();
            return;
        }
        closeNow();
    }

    /** @return how many events Kafka acknowledged so far */
    public long sent() {
        return sent.sum();
    }

    /** @return how many accepted events failed so far (not counting those rejected at once as full or closed) */
    public long failed() {
        return failed.sum();
    }

    /**
     * The topic an event is written to; see the class comment for the mapping to valid names.
     *
     * @param template the topic template
     * @param event the event
     * @return the valid Kafka topic name
     * @throws SinkException if the template uses {@code {app}} and the event has no {@code application} extension
     */
    static String topicFor(String template, CloudEvent event) {
        if (!template.contains(KafkaSinkSettings.APPLICATION_PLACEHOLDER)) {
            return KafkaTopicNames.validName(template);
        }
        String application = extension(event, EventMapper.EXT_APPLICATION);
        if (application == null) {
            throw new SinkException("event " + event.getId() + " has no '" + EventMapper.EXT_APPLICATION
                    + "' extension for the Kafka topic template '" + template + "'");
        }
        return KafkaTopicNames.topicFor(template, application);
    }

    private void closeNow() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_TIMEOUT_SECONDS);
        try {
            while (parkedBytes.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(METADATA_POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        metadataThread.shutdownNow();
        SinkException closedFirst = new SinkException("Kafka sink closed before the topic's metadata was available");
        for (Route route : routes.values()) {
            synchronized (route) {
                for (Delivery parked = route.parked.poll(); parked != null; parked = route.parked.poll()) {
                    parkedBytes.addAndGet(-parked.size);
                    fail(parked, closedFirst);
                }
            }
        }
        long remaining = Math.max(0, deadline - System.nanoTime());
        try {
            producer.close(Duration.ofNanos(remaining));
        } catch (RuntimeException e) {
            LOG.warn("Closing the Kafka producer failed", e);
        }
    }

    /**
     * Hands the record to the producer without blocking. Fails the delivery's future if the producer rejects the
     * record, except for {@link Outcome#NO_METADATA}, and for {@link Outcome#FULL} when {@code failWhenFull} is false
     * (a parked record waits for room instead: its send was accepted long ago).
     */
    private Outcome trySend(Delivery delivery, boolean failWhenFull) {
        Exception rejected;
        delivery.sendingThread = Thread.currentThread();
        try {
            producer.send(delivery.record, delivery);
            rejected = delivery.rejected;
        } catch (RuntimeException e) {
            rejected = e;
        } finally {
            delivery.sendingThread = null;
            delivery.rejected = null;
        }
        if (rejected == null) {
            return Outcome.SENT;
        }
        if (rejected instanceof BufferExhaustedException) {
            if (failWhenFull) {
                delivery.future.completeExceptionally(new SinkFullException(
                        "Kafka sink buffer is full (" + bufferBytes + " bytes of records wait for Kafka)"));
            }
            return Outcome.FULL;
        }
        if (rejected instanceof TimeoutException) {
            // With max.block.ms=0 the producer fails a record at once when it has no metadata for the topic yet.
            return Outcome.NO_METADATA;
        }
        fail(delivery, new SinkException("Kafka producer rejected event " + delivery.record.value().getId()
                + " for topic " + delivery.record.topic(), rejected));
        return Outcome.FAILED;
    }

    /** Parks a record of a topic whose metadata the producer does not have yet, and makes sure it is polled for. */
    private void park(Route route, Delivery delivery) {
        long size = delivery.estimatedSize();
        if (parkedBytes.addAndGet(size) > bufferBytes) {
            parkedBytes.addAndGet(-size);
            delivery.future.completeExceptionally(new SinkFullException("Kafka sink is full (" + bufferBytes
                    + " bytes of records wait for the metadata of their topic)"));
            return;
        }
        delivery.size = size;
        delivery.parkedAt = System.nanoTime();
        synchronized (route) {
            route.ready = false;
            route.parked.add(delivery);
            if (!route.pollScheduled) {
                try {
                    metadataThread.schedule(() -> poll(route), METADATA_POLL_MS, TimeUnit.MILLISECONDS);
                    route.pollScheduled = true;
                } catch (RejectedExecutionException e) {
                    // close() has shut the thread down and may already have failed what was parked.
                    route.parked.remove(delivery);
                    parkedBytes.addAndGet(-size);
                    fail(delivery, new SinkException("Kafka sink is closed"));
                }
            }
        }
    }

    /** On the metadata thread: sends the parked records in order once the topic's metadata is there. */
    private void poll(Route route) {
        synchronized (route) {
            route.pollScheduled = false;
            if (route.parked.isEmpty()) {
                return;
            }
            boolean known;
            try {
                producer.partitionsFor(route.topic);
                known = true;
            } catch (TimeoutException e) {
                known = false;
            } catch (RuntimeException e) {
                SinkException failure = new SinkException("no metadata for Kafka topic " + route.topic, e);
                for (Delivery parked = route.parked.poll(); parked != null; parked = route.parked.poll()) {
                    parkedBytes.addAndGet(-parked.size);
                    fail(parked, failure);
                }
                return;
            }
            if (known) {
                while (!route.parked.isEmpty()) {
                    Outcome outcome = trySend(route.parked.peek(), false);
                    if (outcome == Outcome.NO_METADATA || outcome == Outcome.FULL) {
                        break;
                    }
                    parkedBytes.addAndGet(-route.parked.poll().size);
                }
                if (route.parked.isEmpty()) {
                    route.ready = true;
                    return;
                }
            }
            long now = System.nanoTime();
            while (!route.parked.isEmpty() && now - route.parked.peek().parkedAt > metadataWaitNanos) {
                Delivery expired = route.parked.poll();
                parkedBytes.addAndGet(-expired.size);
                fail(expired, new SinkException("Kafka topic " + route.topic + " was not available within "
                        + TimeUnit.NANOSECONDS.toMillis(metadataWaitNanos) + " ms (delivery.timeout.ms)",
                        new TimeoutException("no metadata for topic " + route.topic)));
            }
            if (!route.parked.isEmpty()) {
                try {
                    metadataThread.schedule(() -> poll(route), METADATA_POLL_MS, TimeUnit.MILLISECONDS);
                    route.pollScheduled = true;
                } catch (RejectedExecutionException e) {
                    LOG.debug("Kafka sink closed while records wait for topic {}; close() fails them", route.topic);
                }
            }
        }
    }

    private void fail(Delivery delivery, SinkException failure) {
        failed.increment();
        delivery.future.completeExceptionally(failure);
    }

    private static CompletableFuture<Void> failed(SinkException failure) {
        return CompletableFuture.failedFuture(failure);
    }

    private static String extension(CloudEvent event, String name) {
        Object value = event.getExtension(name);
        return value == null ? null : value.toString();
    }

    private static long longProperty(KafkaSinkSettings settings, String name, long defaultValue) {
        String value = settings.properties().get(name);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Kafka sink property '" + name + "' must be a number, was '"
                    + value + "'", e);
        }
    }

    private enum Outcome { SENT, NO_METADATA, FULL, FAILED }

    /** Per topic: whether the producer has its metadata, and the records parked until it has. */
    private static final class Route {

        final String topic;
        /** True while records go straight to the producer; written under the route's lock. */
        volatile boolean ready;
        /** Guarded by the route's lock. */
        final ArrayDeque<Delivery> parked = new ArrayDeque<>();
        /** Guarded by the route's lock. */
        boolean pollScheduled;

        Route(String topic) {
            this.topic = topic;
        }
    }

    /** One record and its future; also the producer callback that completes it. */
    private final class Delivery implements Callback {

        final ProducerRecord<String, CloudEvent> record;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        /** The thread inside producer.send: a callback on it is a synchronous rejection, not a result. */
        Thread sendingThread;
        Exception rejected;
        /** Set when parked, under the route's lock. */
        long size;
        long parkedAt;

        Delivery(ProducerRecord<String, CloudEvent> record) {
            this.record = record;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null && Thread.currentThread() == sendingThread) {
                rejected = exception;
                return;
            }
            ioThread = Thread.currentThread();
            if (exception == null) {
                sent.increment();
                future.complete(null);
            } else {
                fail(this, new SinkException("Kafka did not acknowledge event " + record.value().getId()
                        + " on topic " + record.topic(), exception));
            }
        }

        long estimatedSize() {
            CloudEventData data = record.value().getData();
            return PARKED_OVERHEAD_BYTES + (data == null ? 0 : data.toBytes().length);
        }
    }
}
