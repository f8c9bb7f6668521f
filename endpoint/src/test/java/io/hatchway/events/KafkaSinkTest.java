package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Kafka sink against a real KRaft broker in this JVM; each test writes to topics of its own application. */
class KafkaSinkTest {

    private static final Instant ARRIVAL = OffsetDateTime.of(2024, 5, 17, 12, 30, 45, 123_000_000,
            ZoneOffset.ofHours(2)).toInstant();

    private static KafkaTestBroker kafka;

    private final EventMapper mapper = new EventMapper("hatchway-test");
    private final List<KafkaSink> sinks = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @AfterEach
    void closeSinks() {
        sinks.forEach(KafkaSink::close);
    }

    private KafkaSink sink(KafkaSinkSettings.Mode mode, Map<String, String> properties) {
        KafkaSink sink = new KafkaSink(KafkaSinkSettings.of(kafka.bootstrapServers(), "events-{app}")
                .withMode(mode).withProperties(properties));
        sinks.add(sink);
        return sink;
    }

    private static void complete(CompletableFuture<Void> future) throws Exception {
        future.get(30, TimeUnit.SECONDS);
    }

    private static Map<String, String> headers(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Test
    void binaryModeRecordHasThePartitionKeyCeHeadersAndTheRawPayload() throws Exception {
        KafkaSink sink = sink(KafkaSinkSettings.Mode.BINARY, Map.of());
        byte[] payload = {(byte) 0xFF, 0, 1, 2};
        CloudEvent event = mapper.map("plant-1", "pump ü", "gw-1", "telemetry", payload, null, ARRIVAL);

        complete(sink.send(event));

        List<ConsumerRecord<String, byte[]>> records = kafka.read("events-plant-1", 1);
        assertEquals(1, records.size());
        ConsumerRecord<String, byte[]> record = records.get(0);
        assertEquals("plant-1/gw-1", record.key());
        assertArrayEquals(payload, record.value());
        Map<String, String> headers = headers(record);
        assertEquals("1.0", headers.get("ce_specversion"));
        assertEquals(event.getId(), headers.get("ce_id"));
        assertEquals("io.drogue.event.v1", headers.get("ce_type"));
        assertEquals("drogue://plant-1/pump%20%C3%BC", headers.get("ce_source"));
        assertEquals("telemetry", headers.get("ce_subject"));
        assertEquals("2024-05-17T10:30:45.123Z", headers.get("ce_time"));
        assertEquals("plant-1", headers.get("ce_application"));
        assertEquals("pump ü", headers.get("ce_device"));
        assertEquals("gw-1", headers.get("ce_sender"));
        assertEquals("plant-1/gw-1", headers.get("ce_partitionkey"));
        assertEquals("hatchway-test", headers.get("ce_instance"));
        assertEquals("application/octet-stream", headers.get("content-type"));
        assertEquals(1, sink.sent());
    }

    @Test
    void applicationNameThatIsNoValidTopicNameIsWrittenToItsMappedTopic() throws Exception {
        KafkaSink sink = sink(KafkaSinkSettings.Mode.BINARY, Map.of());
        CloudEvent event = mapper.map("plant 2/ü", "d", "d", "telemetry", new byte[] {1}, null, ARRIVAL);
        String topic = KafkaTopicNames.topicFor("events-{app}", "plant 2/ü");

        complete(sink.send(event));

        assertTrue(topic.matches("events-plant_2__-[0-9a-f]{8}"), topic);
        List<ConsumerRecord<String, byte[]>> records = kafka.read(topic, 1);
        assertEquals(1, records.size());
        assertEquals(event.getId(), headers(records.get(0)).get("ce_id"));
        assertEquals("plant 2/ü", headers(records.get(0)).get("ce_application"));
    }

    @Test
    void structuredModeValueIsTheCloudEventAsJson() throws Exception {
        KafkaSink sink = sink(KafkaSinkSettings.Mode.STRUCTURED, Map.of());
        byte[] payload = "{\"temp\":21.5}".getBytes(StandardCharsets.UTF_8);
        CloudEvent event = mapper.map("plant-3", "d", "gw", "state", payload, null, ARRIVAL);

        complete(sink.send(event));

        ConsumerRecord<String, byte[]> record = kafka.read("events-plant-3", 1).get(0);
        assertEquals("plant-3/gw", record.key());
        assertEquals(Map.of("content-type", "application/cloudevents+json"), headers(record));
        CloudEvent read = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE)
                .deserialize(record.value());
        assertEquals(event.getId(), read.getId());
        assertEquals(event.getType(), read.getType());
        assertEquals(event.getSource(), read.getSource());
        assertEquals(event.getSubject(), read.getSubject());
        assertEquals(event.getTime().toInstant(), read.getTime().toInstant());
        assertEquals("application/json", read.getDataContentType());
        assertEquals(event.getExtensionNames(), read.getExtensionNames());
        for (String name : event.getExtensionNames()) {
            assertEquals(event.getExtension(name), read.getExtension(name), name);
        }
        assertArrayEquals(payload, read.getData().toBytes());
    }

    @Test
    void eventsWithTheSameKeyAreWrittenAndAcknowledgedInOrder() throws Exception {
        KafkaSink sink = sink(KafkaSinkSettings.Mode.BINARY, Map.of("linger.ms", "5"));
        List<String> sentIds = new ArrayList<>();
        List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        // The first events find no metadata for the new topic and are parked; the rest queue behind them.
        for (int i = 0; i < 500; i++) {
            CloudEvent event = mapper.map("plant-4", "d", "gw", "c", Integer.toString(i).getBytes(
                    StandardCharsets.UTF_8), null, ARRIVAL);
            sentIds.add(event.getId());
            futures.add(sink.send(event).thenRun(() -> acknowledged.add(event.getId())));
        }
        for (CompletableFuture<Void> future : futures) {
            complete(future);
        }

        List<String> writtenIds = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : kafka.read("events-plant-4", 500)) {
            writtenIds.add(headers(record).get("ce_id"));
        }
        assertEquals(sentIds, writtenIds);
        assertEquals(sentIds, acknowledged);
        assertEquals(500, sink.sent());
    }

    @Test
    void eventsOfDifferentApplicationsGoToTheirOwnTopics() throws Exception {
        KafkaSink sink = sink(KafkaSinkSettings.Mode.BINARY, Map.of());
        CloudEvent a = mapper.map("plant-5a", "d", "d", "c", new byte[] {1}, null, ARRIVAL);
        CloudEvent b = mapper.map("plant-5b", "d", "d", "c", new byte[] {2}, null, ARRIVAL);

        complete(sink.send(a));
        complete(sink.send(b));

        assertEquals(a.getId(), headers(kafka.read("events-plant-5a", 1).get(0)).get("ce_id"));
        assertEquals(b.getId(), headers(kafka.read("events-plant-5b", 1).get(0)).get("ce_id"));
    }

    @Test
    void closeFlushesAcceptedEventsAndLaterSendsFail() throws Exception {
        // A long linger keeps records in the producer's buffer until close flushes them; the first ones are still
        // parked waiting for the new topic's metadata when close begins.
        KafkaSink sink = sink(KafkaSinkSettings.Mode.BINARY, Map.of("linger.ms", "60000"));
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            futures.add(sink.send(mapper.map("plant-6", "d", "d", "c", new byte[] {(byte) i}, null, ARRIVAL)));
        }

        sink.close();

        for (CompletableFuture<Void> future : futures) {
            assertTrue(future.isDone() && !future.isCompletedExceptionally());
        }
        assertEquals(20, kafka.read("events-plant-6", 20).size());
        Throwable failure = assertThrows(ExecutionException.class, () -> sink.send(
                mapper.map("plant-6", "d", "d", "c", new byte[0], null, ARRIVAL)).get(10, TimeUnit.SECONDS))
                .getCause();
        assertInstanceOf(SinkException.class, failure);
    }

    @Test
    void propertiesTheSinkSetsItselfAreRejected() {
        for (String reserved : List.of("max.block.ms", "buffer.memory", "value.serializer", "bootstrap.servers")) {
            assertThrows(IllegalArgumentException.class,
                    () -> sink(KafkaSinkSettings.Mode.BINARY, Map.of(reserved, "1")), reserved);
        }
    }

    @Test
    void bufferSmallerThanABatchIsRejected() {
        KafkaSinkSettings settings = KafkaSinkSettings.of(kafka.bootstrapServers(), "t").withBufferBytes(1000);

        assertThrows(IllegalArgumentException.class, () -> new KafkaSink(settings));
    }
}
