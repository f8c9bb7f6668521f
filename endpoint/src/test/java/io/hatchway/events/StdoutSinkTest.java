package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonFormat;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static io.hatchway.events.CloudEventAssertions.assertSameEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StdoutSinkTest {

    private final EventMapper mapper = new EventMapper("hatchway-test");

    private CloudEvent event(String payload) {
        return mapper.map("app", "device", "device", "c", payload.getBytes(StandardCharsets.UTF_8), null,
                Instant.now());
    }

    @Test
    void writesOneCloudEventsJsonLinePerEventToTheStream() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CloudEvent first = event("{\"a\":1}");
        CloudEvent second = event("not json");
        try (StdoutSink sink = new StdoutSink(out)) {
            sink.send(first).get(10, TimeUnit.SECONDS);
            sink.send(second).get(10, TimeUnit.SECONDS);
        }

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        JsonFormat format = new JsonFormat();
        assertEquals(first.getId(), format.deserialize(lines[0].getBytes(StandardCharsets.UTF_8)).getId());
        assertTrue(lines[0].contains("\"data\":{\"a\":1}"), lines[0]);
        assertSameEvent(second, format.deserialize(lines[1].getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void fullQueueFailsFastWithSinkFullExceptionWhileTheStreamIsBlocked() throws Exception {
        BlockingStream out = new BlockingStream();
        try (StdoutSink sink = new StdoutSink(out, 1)) {
            CompletableFuture<Void> writing = sink.send(event("1"));
            await().atMost(10, TimeUnit.SECONDS).until(() -> out.blocked);
            CompletableFuture<Void> queued = sink.send(event("2"));

            CompletableFuture<Void> rejected = sink.send(event("3"));

            assertTrue(rejected.isCompletedExceptionally());
            ExecutionException failure = assertThrows(ExecutionException.class, rejected::get);
            assertInstanceOf(SinkFullException.class, failure.getCause());
            assertFalse(writing.isDone());
            out.release.countDown();
            writing.get(10, TimeUnit.SECONDS);
            queued.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void streamErrorFailsTheEventWithSinkException() {
        PrintStream broken = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        });
        try (StdoutSink sink = new StdoutSink(broken)) {
            CompletableFuture<Void> future = sink.send(event("1"));

            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> future.get(10, TimeUnit.SECONDS));
            assertInstanceOf(SinkException.class, failure.getCause());
        }
    }

    @Test
    void closeFlushesButDoesNotCloseTheStream() throws Exception {
        List<String> calls = new ArrayList<>();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
            }

            @Override
            public void flush() {
                calls.add("flush");
            }

            @Override
            public void close() {
                calls.add("close");
            }
        };
        StdoutSink sink = new StdoutSink(out);
        sink.send(event("1")).get(10, TimeUnit.SECONDS);

        sink.close();

        assertFalse(calls.contains("close"));
        assertEquals(List.of("flush", "flush"), calls);
    }

    /** A stream whose writes block until released, standing in for a stalled consumer. */
    private static final class BlockingStream extends OutputStream {

        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean blocked;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            blocked = true;
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }
}
