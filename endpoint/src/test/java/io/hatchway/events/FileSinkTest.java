package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.hatchway.events.CloudEventAssertions.assertSameEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileSinkTest {

    private static final Instant ARRIVAL = OffsetDateTime.of(2024, 5, 17, 12, 30, 45, 123_456_789,
            ZoneOffset.ofHours(2)).toInstant();
    private static final JsonFormat FORMAT = new JsonFormat();

    private final EventMapper mapper = new EventMapper("hatchway-test");
    private final List<FileSink> sinks = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeSinks() {
        sinks.forEach(FileSink::close);
    }

    private FileSink sink(Path file, int capacity) {
        FileSink sink = new FileSink(file, capacity);
        sinks.add(sink);
        return sink;
    }

    private CloudEvent event(String payload, String contentType) {
        return event(payload.getBytes(StandardCharsets.UTF_8), contentType);
    }

    private CloudEvent event(byte[] payload, String contentType) {
        return mapper.map("app", "dev ice/ü", "gw", "telemetry", payload, contentType, ARRIVAL);
    }

    private static void await(CompletableFuture<Void> future) throws Exception {
        future.get(10, TimeUnit.SECONDS);
    }

    private static List<CloudEvent> readEvents(Path file) throws IOException {
        List<CloudEvent> events = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            events.add(FORMAT.deserialize(line.getBytes(StandardCharsets.UTF_8)));
        }
        return events;
    }


    @Test
    void eachEventBecomesOneLineThatParsesBackToTheSameEvent() throws Exception {
        Path file = dir.resolve("events.jsonl");
        FileSink sink = sink(file, 16);
        List<CloudEvent> sent = List.of(
                event("{\"a\":1,\"b\":[true,null,\"x\"]}", null),
                event(new byte[] {0, 1, 2, (byte) 0xFE, (byte) 0xFF}, null),
                event("hello\nworld", "text/plain; charset=utf-8"),
                event("42", "application/json"),
                event("{\"x\":1}", "application/vnd.x+json; charset=utf-8"),
                event(new byte[0], "application/octet-stream"));

        for (CloudEvent event : sent) {
            await(sink.send(event));
        }

        List<CloudEvent> read = readEvents(file);
        assertEquals(sent.size(), read.size());
        for (int i = 0; i < sent.size(); i++) {
            assertSameEvent(sent.get(i), read.get(i));
        }
    }

    @Test
    void jsonPayloadIsEmbeddedAsDataAndOtherPayloadsAsDataBase64() throws Exception {
        Path file = dir.resolve("events.jsonl");
        FileSink sink = sink(file, 16);

        await(sink.send(event("{\"a\":1}", null)));
        await(sink.send(event(new byte[] {(byte) 0xCA, (byte) 0xFE}, null)));
        await(sink.send(event("hello", "text/plain")));
        await(sink.send(event("\"x\"", "application/json; charset=utf-8")));

        List<String> lines = Files.readAllLines(file);
        assertTrue(lines.get(0).contains("\"data\":{\"a\":1}"), lines.get(0));
        assertFalse(lines.get(0).contains("data_base64"), lines.get(0));
        assertTrue(lines.get(1).contains("\"data_base64\":\"yv4=\""), lines.get(1));
        assertTrue(lines.get(2).contains("\"data_base64\":\"aGVsbG8=\""), lines.get(2));
        assertFalse(lines.get(2).contains("\"data\""), lines.get(2));
        assertTrue(lines.get(3).contains("\"data\":\"x\""), lines.get(3));
        assertInstanceOf(JsonCloudEventData.class, readEvents(file).get(0).getData());
    }

    @Test
    void vendorJsonIsWrittenAsDataBase64BecauseJsonFormatCouldNotReadItEmbedded() throws Exception {
        Path file = dir.resolve("events.jsonl");
        FileSink sink = sink(file, 16);
        CloudEvent event = event("{ \"a\" : 1 }", "application/vnd.x+json");

        await(sink.send(event));

        assertTrue(Files.readString(file).contains("\"data_base64\""));
        assertSameEvent(event, readEvents(file).get(0));
    }

    @Test
    void prettyPrintedJsonPayloadStaysOnOneLine() throws Exception {
        Path file = dir.resolve("events.jsonl");
        FileSink sink = sink(file, 16);

        await(sink.send(event("{\n  \"a\": 1,\r\n  \"b\": [1.000000000000000000001]\n}\n", "application/json")));
        await(sink.send(event("{}", null)));

        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("\"data\":{\"a\":1,\"b\":[1.000000000000000000001]}"), lines.get(0));
    }

    @Test
    void eventsNotFromTheMapperWithInvalidJsonUnderAJsonTypeAreWrittenAsDataBase64() throws Exception {
        Path file = dir.resolve("events.jsonl");
        FileSink sink = sink(file, 16);
        CloudEvent textJson = event("{not json\n", "text/json");
        CloudEvent noContentType = io.cloudevents.core.builder.CloudEventBuilder.v1(textJson)
                .withData(null, "also not json".getBytes(StandardCharsets.UTF_8))
                .build();

        await(sink.send(textJson));
        await(sink.send(noContentType));

        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("\"data_base64\""), lines.get(0));
        assertTrue(lines.get(1).contains("\"data_base64\""), lines.get(1));
        assertSameEvent(textJson, readEvents(file).get(0));
    }

    @Test
    void concurrentSendsAreAllWrittenOnceInPerThreadOrderAndShareBatches() throws Exception {
        Path file = dir.resolve("events.jsonl");
        int threads = 4;
        int perThread = 2_500;
        FileSink sink = sink(file, threads * perThread);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<List<CompletableFuture<Void>>>> senders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String device = "device-" + t;
                senders.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<Void>> futures = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        byte[] payload = Integer.toString(i).getBytes(StandardCharsets.UTF_8);
                        futures.add(sink.send(mapper.map("app", device, device, "c", payload, null, ARRIVAL)));
                    }
                    return futures;
                }));
            }
            start.countDown();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Future<List<CompletableFuture<Void>>> sender : senders) {
                all.addAll(sender.get(30, TimeUnit.SECONDS));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        Map<String, Integer> nextSequence = new HashMap<>();
        List<CloudEvent> read = readEvents(file);
        for (CloudEvent event : read) {
            String device = (String) event.getExtension("device");
            int sequence = Integer.parseInt(new String(event.getData().toBytes(), StandardCharsets.UTF_8));
            int expected = nextSequence.getOrDefault(device, 0);
            assertEquals(expected, sequence, "order of " + device);
            nextSequence.put(device, expected + 1);
        }
        assertEquals(threads * perThread, read.size());
        assertEquals(threads, nextSequence.size());
        nextSequence.values().forEach(count -> assertEquals(perThread, count));
        assertEquals(threads * perThread, sink.events());
        assertTrue(sink.batches() < sink.events(), "batches " + sink.batches() + " events " + sink.events());
    }

    @Test
    void missingParentDirectoriesAreCreated() throws Exception {
        Path file = dir.resolve("a/b/events.jsonl");

        await(sink(file, 4).send(event("1", null)));

        assertEquals(1, Files.readAllLines(file).size());
    }

    @Test
    void eventsAreAppendedToAnExistingFile() throws Exception {
        Path file = dir.resolve("events.jsonl");
        CloudEvent first = event("1", null);
        CloudEvent second = event("2", null);
        try (FileSink sink = new FileSink(file, 4)) {
            await(sink.send(first));
        }

        await(sink(file, 4).send(second));

        List<CloudEvent> read = readEvents(file);
        assertEquals(List.of(first.getId(), second.getId()), read.stream().map(CloudEvent::getId).toList());
    }

    @Test
    void writeFailureFailsTheEventWithSinkExceptionAndLaterBatchesWriteAgain() throws Exception {
        Path notADirectory = dir.resolve("blocker");
        Files.writeString(notADirectory, "a regular file");
        Path file = notADirectory.resolve("events.jsonl");
        FileSink sink = sink(file, 4);

        ExecutionException failure = assertThrows(ExecutionException.class, () -> await(sink.send(event("1", null))));
        assertInstanceOf(SinkException.class, failure.getCause());
        assertFalse(failure.getCause() instanceof SinkFullException);
        assertEquals(0, sink.events());

        Files.delete(notADirectory);
        CloudEvent later = event("2", null);
        await(sink.send(later));

        assertEquals(List.of(later.getId()), readEvents(file).stream().map(CloudEvent::getId).toList());
        assertEquals(1, sink.events());
    }

    @Test
    void closeWritesEverythingAlreadyQueued() throws Exception {
        Path file = dir.resolve("events.jsonl");
        FileSink sink = new FileSink(file, 1_000);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            futures.add(sink.send(event(Integer.toString(i), null)));
        }

        sink.close();

        futures.forEach(future -> assertTrue(future.isDone() && !future.isCompletedExceptionally()));
        assertEquals(1_000, Files.readAllLines(file).size());
        assertEquals(1_000, sink.events());
    }

    @Test
    void sendAfterCloseFailsWithSinkException() {
        FileSink sink = new FileSink(dir.resolve("events.jsonl"), 4);
        sink.close();

        CompletableFuture<Void> future = sink.send(event("1", null));

        ExecutionException failure = assertThrows(ExecutionException.class, () -> future.get(1, TimeUnit.SECONDS));
        assertInstanceOf(SinkException.class, failure.getCause());
        sink.close();
    }
}
