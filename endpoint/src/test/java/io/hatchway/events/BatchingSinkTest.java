package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonFormat;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchingSinkTest {

    private final EventMapper mapper = new EventMapper("hatchway-test");

    private CloudEvent event(int sequence) {
        return mapper.map("app", "device", "device", "c",
                Integer.toString(sequence).getBytes(StandardCharsets.UTF_8), null, Instant.now());
    }

    private static Throwable failureOf(CompletableFuture<Void> future) {
        return assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void fullQueueFailsFastWithSinkFullExceptionWhileTheWriterIsBusy() throws Exception {
        GatedSink sink = new GatedSink(1);
        CompletableFuture<Void> writing = sink.send(event(1));
        await().atMost(10, TimeUnit.SECONDS).until(() -> sink.writing);
        CompletableFuture<Void> queued = sink.send(event(2));

        CompletableFuture<Void> rejected = sink.send(event(3));

        assertTrue(rejected.isCompletedExceptionally());
        assertInstanceOf(SinkFullException.class, failureOf(rejected));
        sink.gate.countDown();
        writing.get(10, TimeUnit.SECONDS);
        queued.get(10, TimeUnit.SECONDS);
        sink.close();
        assertEquals(List.of("1", "2"), sink.lines());
    }

    @Test
    void closeWaitsUntilQueuedEventsAreWrittenAndCompleted() throws Exception {
        GatedSink sink = new GatedSink(9);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        futures.add(sink.send(event(0)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> sink.writing);
        for (int i = 1; i < 10; i++) {
            futures.add(sink.send(event(i)));
        }
        CompletableFuture<Void> closed = CompletableFuture.runAsync(sink::close);

        // The queue is full, so a send fails with SinkFullException until close has begun, then as closed.
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> !(failureOf(sink.send(event(99))) instanceof SinkFullException));
        assertFalse(closed.isDone());
        sink.gate.countDown();
        closed.get(10, TimeUnit.SECONDS);

        futures.forEach(future -> assertTrue(future.isDone() && !future.isCompletedExceptionally()));
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), sink.lines());
        assertEquals(2, sink.batches());
        assertEquals(10, sink.events());
    }

    @Test
    void eventThatCannotBeSerialisedFailsAloneAndTheRestOfItsBatchIsWritten() throws Exception {
        CloudEvent unserialisable = CloudEventBuilder.v1(event(1)).withData("application/octet-stream",
                new ExplodingData()).build();

        assertFailsAloneBetweenTwoWrittenEvents(unserialisable);
    }

    @Test
    void eventFailingHalfwayThroughItsLineLeavesNothingOfItInTheBatch() throws Exception {
        CloudEvent broken = event(1);
        // Fails after the attributes were written, while the extensions are.
        CloudEvent failsMidLine = (CloudEvent) Proxy.newProxyInstance(CloudEvent.class.getClassLoader(),
                new Class<?>[] {CloudEvent.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getExtension")) {
                        throw new IllegalStateException("extension cannot be read");
                    }
                    return method.invoke(broken, args);
                });

        GatedSink sink = assertFailsAloneBetweenTwoWrittenEvents(failsMidLine);

        JsonFormat format = new JsonFormat();
        for (String line : sink.rawLines) {
            assertEquals("device", format.deserialize(line.getBytes(StandardCharsets.UTF_8)).getExtension("device"),
                    line);
        }
    }

    /** Event 0 is written alone, then {@code bad} and event 2 in one batch: bad fails, 0 and 2 are written. */
    private GatedSink assertFailsAloneBetweenTwoWrittenEvents(CloudEvent bad) throws Exception {
        GatedSink sink = new GatedSink(10);
        CompletableFuture<Void> first = sink.send(event(0));
        await().atMost(10, TimeUnit.SECONDS).until(() -> sink.writing);
        CompletableFuture<Void> failed = sink.send(bad);
        CompletableFuture<Void> good = sink.send(event(2));

        sink.gate.countDown();

        first.get(10, TimeUnit.SECONDS);
        good.get(10, TimeUnit.SECONDS);
        assertInstanceOf(SinkException.class, failureOf(failed));
        sink.close();
        assertEquals(List.of("0", "2"), sink.lines());
        return sink;
    }

    @Test
    void failedWriteFailsItsBatchAndTheNextBatchIsWrittenAgain() throws Exception {
        GatedSink sink = new GatedSink(10);
        sink.gate.countDown();
        sink.failures.set(1);

        Throwable failure = failureOf(sink.send(event(0)));
        sink.send(event(1)).get(10, TimeUnit.SECONDS);

        assertInstanceOf(SinkException.class, failure);
        assertInstanceOf(IOException.class, failure.getCause());
        sink.close();
        assertEquals(List.of("1"), sink.lines());
        assertEquals(1, sink.batches());
    }

    @Test
    void closeCalledFromACompletionCallbackDoesNotDeadlock() throws Exception {
        GatedSink sink = new GatedSink(10);
        CompletableFuture<Void> closedByCallback = sink.send(event(0)).thenRun(sink::close);

        sink.gate.countDown();

        closedByCallback.get(10, TimeUnit.SECONDS);

        sink.close();
        assertInstanceOf(SinkException.class, failureOf(sink.send(event(1))));
    }

    @Test
    void capacityBelowOneIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new GatedSink(0));
    }

    /** Records written lines, and holds the writer inside writeBatch until the gate opens. */
    private static final class GatedSink extends BatchingSink {

        final CountDownLatch gate = new CountDownLatch(1);
        final AtomicInteger failures = new AtomicInteger();
        volatile boolean writing;
        private final List<String> data = new ArrayList<>();
        final List<String> rawLines = new ArrayList<>();

        GatedSink(int capacity) {
            super("gated", capacity);
            start();
        }

        @Override
        void writeBatch(ByteBuffer batch) throws IOException {
            writing = true;
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("injected write failure");
            }
            String text = StandardCharsets.UTF_8.decode(batch).toString();
            for (String line : text.split("\n")) {
                rawLines.add(line);
                int start = line.indexOf("\"data\":") + "\"data\":".length();
                data.add(line.substring(start, line.indexOf('}', start)));
            }
        }

        @Override
        void closeOutput() {
        }

        /** @return the data of every written line, in order; read only after close. */
        List<String> lines() {
            return data;
        }
    }

    /** Data whose bytes cannot be read, as from a broken custom {@link CloudEventData}. */
    private static final class ExplodingData implements CloudEventData {

        @Override
        public byte[] toBytes() {
            throw new IllegalStateException("cannot read data");
        }
    }
}
