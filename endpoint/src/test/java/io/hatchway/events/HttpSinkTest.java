package io.hatchway.events;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cloudevents.CloudEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpSinkTest {

    private static final Instant ARRIVAL = OffsetDateTime.of(2024, 5, 17, 12, 30, 45, 123_000_000,
            ZoneOffset.UTC).toInstant();

    private final EventMapper mapper = new EventMapper("hatchway-test");
    private final List<HttpSink> sinks = new ArrayList<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger concurrent = new AtomicInteger();
    private final AtomicInteger maxConcurrent = new AtomicInteger();
    /** Answers the n-th request (0-based) with a status. */
    private volatile IntUnaryOperator status = n -> 200;
    /** Requests are held until this opens. */
    private volatile CountDownLatch gate = new CountDownLatch(0);

    private HttpServer server;
    private ExecutorService serverThreads;
    private URI url;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/events", this::handle);
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/events");
    }

    @AfterEach
    void stop() {
        gate.countDown();
        sinks.forEach(HttpSink::close);
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
        int code = 500;
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int index;
            synchronized (received) {
                index = received.size();
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestHeaders(), body));
            }
            gate.await(20, TimeUnit.SECONDS);
            code = status.applyAsInt(index);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // The client may send its next request as soon as it has the status, so count this one out first.
            concurrent.decrementAndGet();
        }
        exchange.sendResponseHeaders(code, -1);
        exchange.close();
    }

    private HttpSink sink(Map<String, String> headers, Duration retryFor, int maxConcurrency, int capacity) {
        HttpSink sink = new HttpSink(new HttpSinkSettings(url, headers, Duration.ofSeconds(5), retryFor,
                maxConcurrency, capacity));
        sinks.add(sink);
        return sink;
    }

    private HttpSink sink() {
        return sink(Map.of(), Duration.ofSeconds(10), 4, 100);
    }

    private CloudEvent event(String device, String payload) {
        return mapper.map("app", device, device, "telemetry", payload.getBytes(StandardCharsets.UTF_8), null,
                ARRIVAL);
    }

    private static void complete(CompletableFuture<Void> future) throws Exception {
        future.get(20, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(CompletableFuture<Void> future) {
        return assertThrows(ExecutionException.class, () -> future.get(20, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void postsInBinaryModeWithPercentEncodedCeHeadersAndThePayloadAsBody() throws Exception {
        CloudEvent event = mapper.map("my-app", "dev ice/ü", "gw", "state", "{\"temp\":21.5}".getBytes(
                StandardCharsets.UTF_8), null, ARRIVAL);

        complete(sink().send(event));

        assertEquals(1, received.size());
        Received request = received.get(0);
        assertEquals("POST", request.method());
        assertEquals("application/json", request.header("Content-Type"));
        assertEquals("1.0", request.header("ce-specversion"));
        assertEquals(event.getId(), request.header("ce-id"));
        assertEquals("io.drogue.event.v1", request.header("ce-type"));
        assertEquals("drogue://my-app/dev%2520ice%252F%25C3%25BC", request.header("ce-source"));
        assertEquals("state", request.header("ce-subject"));
        assertEquals("2024-05-17T12:30:45.123Z", request.header("ce-time"));
        assertEquals("my-app", request.header("ce-application"));
        assertEquals("dev%20ice/%C3%BC", request.header("ce-device"));
        assertEquals("gw", request.header("ce-sender"));
        assertEquals("my-app/gw", request.header("ce-partitionkey"));
        assertEquals("hatchway-test", request.header("ce-instance"));
        assertArrayEquals("{\"temp\":21.5}".getBytes(StandardCharsets.UTF_8), request.body());
    }

    @Test
    void anyTwoHundredStatusCompletesTheFuture() throws Exception {
        status = n -> n == 0 ? 204 : 202;
        HttpSink sink = sink();

        complete(sink.send(event("d", "1")));
        complete(sink.send(event("d", "2")));

        assertEquals(2, sink.sent());
        assertEquals(2, sink.requests());
    }

    @Test
    void unavailableTwiceThenOkIsRetriedUntilAccepted() throws Exception {
        status = n -> n < 2 ? 503 : 200;
        HttpSink sink = sink();
        CloudEvent event = event("d", "retried");

        complete(sink.send(event));

        assertEquals(3, received.size());
        received.forEach(request -> assertEquals(event.getId(), request.header("ce-id")));
        assertEquals(3, sink.requests());
        assertEquals(1, sink.sent());
    }

    @Test
    void persistentServerErrorFailsOnceRetryForIsUsedUp() {
        status = n -> 500;
        HttpSink sink = sink(Map.of(), Duration.ofMillis(1200), 4, 100);
        long start = System.nanoTime();

        Throwable failure = failureOf(sink.send(event("d", "x")));

        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertInstanceOf(SinkException.class, failure);
        assertFalse(failure instanceof SinkFullException);
        assertTrue(failure.getMessage().contains("last: HTTP 500"), failure.getMessage());
        assertTrue(elapsedMs >= 1200 && elapsedMs < 5000, "failed after " + elapsedMs + " ms");
        assertTrue(received.size() >= 4, received.size() + " attempts");
        assertEquals(1, sink.failed());
    }

    @Test
    void connectionErrorsAreRetriedThenReportedAsTheCause() {
        server.stop(0);
        HttpSink sink = sink(Map.of(), Duration.ofMillis(500), 4, 100);

        Throwable failure = failureOf(sink.send(event("d", "x")));

        assertInstanceOf(SinkException.class, failure);
        assertInstanceOf(ConnectException.class, failure.getCause());
        assertTrue(sink.requests() >= 2, sink.requests() + " attempts");
    }

    @Test
    void atMostMaxConcurrencyRequestsAreInFlight() throws Exception {
        gate = new CountDownLatch(1);
        HttpSink sink = sink(Map.of(), Duration.ofSeconds(10), 3, 100);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            futures.add(sink.send(event("device-" + i, Integer.toString(i))));
        }

        await().atMost(10, TimeUnit.SECONDS).until(() -> concurrent.get() == 3);
        // Nothing else may reach the server while the three are held.
        await().during(300, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> received.size() == 3);
        gate.countDown();

        for (CompletableFuture<Void> future : futures) {
            complete(future);
        }
        assertEquals(12, received.size());
        assertEquals(3, maxConcurrent.get());
    }

    @Test
    void eventsOfOneSenderArePostedOneAtATimeInOrderEvenAcrossRetries() throws Exception {
        status = n -> n == 0 ? 503 : 200;
        HttpSink sink = sink(Map.of(), Duration.ofSeconds(10), 8, 100);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            CloudEvent event = event("one-device", Integer.toString(i));
            ids.add(event.getId());
            futures.add(sink.send(event));
        }

        for (CompletableFuture<Void> future : futures) {
            complete(future);
        }

        List<String> posted = new ArrayList<>();
        received.forEach(request -> posted.add(request.header("ce-id")));
        assertEquals(ids.get(0), posted.remove(0), "the first attempt of event 0 was answered 503 and retried");
        assertEquals(ids, posted);
        assertEquals(1, maxConcurrent.get());
    }

    @Test
    void moreThanCapacityWaitingEventsFailAtOnceWithSinkFullException() throws Exception {
        gate = new CountDownLatch(1);
        HttpSink sink = sink(Map.of(), Duration.ofSeconds(10), 1, 2);
        CompletableFuture<Void> inFlight = sink.send(event("a", "1"));
        CompletableFuture<Void> waiting1 = sink.send(event("b", "2"));
        CompletableFuture<Void> waiting2 = sink.send(event("c", "3"));

        CompletableFuture<Void> rejected = sink.send(event("d", "4"));

        assertTrue(rejected.isCompletedExceptionally());
        assertInstanceOf(SinkFullException.class, failureOf(rejected));
        gate.countDown();
        complete(inFlight);
        complete(waiting1);
        complete(waiting2);
        complete(sink.send(event("d", "4")));
        assertEquals(4, received.size());
    }

    @Test
    void configuredHeadersAreSentWithEveryRequest() throws Exception {
        HttpSink sink = sink(Map.of("Authorization", "Bearer s3cret", "X-Tenant", "t1"), Duration.ofSeconds(10), 4,
                100);

        complete(sink.send(event("d", "not json")));
        complete(sink.send(event("e", "not json either")));

        assertEquals(2, received.size());
        for (Received request : received) {
            assertEquals("Bearer s3cret", request.header("Authorization"));
            assertEquals("t1", request.header("X-Tenant"));
            assertEquals("application/octet-stream", request.header("Content-Type"));
        }
    }

    @Test
    void closeWaitsForAcceptedEventsAndLaterSendsFail() throws Exception {
        gate = new CountDownLatch(1);
        HttpSink sink = sink(Map.of(), Duration.ofSeconds(10), 1, 10);
        CompletableFuture<Void> first = sink.send(event("a", "1"));
        CompletableFuture<Void> second = sink.send(event("b", "2"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> received.size() == 1);

        CompletableFuture<Void> closed = CompletableFuture.runAsync(sink::close);
        await().atMost(10, TimeUnit.SECONDS).until(() -> sink.send(event("c", "3")).isCompletedExceptionally());
        assertFalse(closed.isDone());
        gate.countDown();
        closed.get(20, TimeUnit.SECONDS);

        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        assertTrue(second.isDone() && !second.isCompletedExceptionally());
        assertInstanceOf(SinkException.class, failureOf(sink.send(event("c", "3"))));
        assertEquals(2, received.size());
    }

    @Test
    void headersTheHttpClientForbidsAreRejectedWhenTheSinkIsBuilt() {
        assertThrows(IllegalArgumentException.class,
                () -> sink(Map.of("Host", "example"), Duration.ofSeconds(1), 1, 1));
    }

    @Test
    void headerValuesArePercentEncodedAsTheHttpBindingRequires() {
        assertEquals("plain-ASCII_value.~!/", HttpSink.encodeHeaderValue("plain-ASCII_value.~!/"));
        assertEquals("a%20b%22c%25d%C3%BC%E2%82%AC%0A", HttpSink.encodeHeaderValue("a b\"c%dü€\n"));
    }

    private record Received(String method, Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            return headers.entrySet().stream()
                    .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> String.join(",", entry.getValue()))
                    .findFirst()
                    .orElse(null);
        }
    }
}
