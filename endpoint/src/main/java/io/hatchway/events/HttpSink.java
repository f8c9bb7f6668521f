package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * POSTs each event to an HTTP endpoint in the binary mode of the CloudEvents HTTP protocol binding: every attribute
 * and extension as a {@code ce-<name>} header, {@code datacontenttype} as {@code Content-Type}, the payload bytes
 * unchanged as body. The headers are written by {@code cloudevents-http-basic}; as that library does not
 * percent-encode, this sink encodes {@code ce-} header values as the binding requires (section 3.1.3.2: space,
 * {@code "}, {@code %} and everything outside printable ASCII become {@code %XX} of the UTF-8 bytes). An event whose
 * {@code Content-Type} is not a legal header value fails alone with {@link SinkException}.
 *
 * <h2>Guarantees</h2>
 * Besides those of {@link EventSink}:
 * <ul>
 *   <li><b>Durable</b> means the endpoint answered a 2xx status. Any other status, a timeout or an I/O error is
 *       retried with exponential backoff (100 ms doubling up to 5 s, each delay randomised to between half and all of
 *       it), the last attempt starting at the latest when {@link HttpSinkSettings#retryFor()} has passed since the
 *       first; then the future fails with {@link SinkException} naming the last status or error. So an event fails at
 *       the latest after {@code retryFor} plus one {@link HttpSinkSettings#timeout()}.</li>
 *   <li><b>Order per partition key:</b> events with the same {@code partitionkey} extension (one sender; the event's
 *       source if absent) are posted one at a time, each after the previous one has been accepted or has failed, so
 *       they arrive in the order sent. Events with different keys are posted in parallel and may overtake each other;
 *       while one key's event is being retried, its later events wait, but other keys go on.</li>
 *   <li><b>Bounded:</b> at most {@link HttpSinkSettings#maxConcurrency()} events are in flight, each holding its slot
 *       from its first attempt until its outcome (including backoff waits), so at most that many requests and
 *       connections are open. At most {@link HttpSinkSettings#capacity()} further events wait; beyond that sends
 *       fail at once with {@link SinkFullException}.</li>
 * </ul>
 *
 * <p>Requests go out through the JDK's {@link HttpClient} on HTTP/1.1 with keep-alive connections and the settings'
 * timeout as connect timeout. {@link #send} only builds the request and queues it; requests are started, retried and
 * their futures completed on the sink's own thread, so dependent actions must not block.
 */
public final class HttpSink implements EventSink {

    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** How much longer than the longest retry {@link #close()} waits before failing what is left. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(HttpSink.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final HttpSinkSettings settings;
    private final ExecutorService clientThreads;
    private final HttpClient client;
    /** Starts requests, runs retry timers and completes futures; one thread, so per-key steps never race. */
    private final ScheduledExecutorService dispatcher;
    private final Thread dispatcherThread;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final LongAdder sent = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder requests = new LongAdder();

    private final Object lock = new Object();
    /** Events per partition key, the first one in flight or next; a key is present while it has events. */
    private final Map<String, ArrayDeque<Delivery>> lanes = new HashMap<>();
    /** Keys with waiting events and none in flight, oldest first. */
    private final ArrayDeque<String> readyKeys = new ArrayDeque<>();
    private int waiting;
    private int inFlight;
    private boolean closed;

    /**
     * @param settings where and how to post
     * @throws IllegalArgumentException if a configured header is not allowed by the JDK HTTP client (e.g.
     *         {@code Host}, {@code Connection}, {@code Content-Length}) or is not a legal header
     */
    public HttpSink(HttpSinkSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        HttpRequest.Builder check = HttpRequest.newBuilder(settings.url());
        settings.headers().forEach(check::header);
        int instance = INSTANCES.incrementAndGet();
        this.clientThreads = Executors.newCachedThreadPool(daemon("hatchway-http-sink-" + instance + "-io-"));
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(clientThreads)
                .build();
        Thread[] thread = new Thread[1];
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(task -> {
            thread[0] = new Thread(task, "hatchway-http-sink-" + instance);
            thread[0].setDaemon(true);
            return thread[0];
        });
        try {
            // Starts the thread now so that close() can recognise it.
            dispatcher.submit(() -> { }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the HTTP sink", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot start the HTTP sink's thread", e);
        }
        this.dispatcherThread = thread[0];
    }

    @Override
    public CompletableFuture<Void> send(CloudEvent event) {
        Objects.requireNonNull(event, "event");
        HttpRequest request;
        try {
            request = request(event);
        } catch (RuntimeException e) {
            failed.increment();
            return CompletableFuture.failedFuture(
                    new SinkException("event " + event.getId() + " cannot be written as an HTTP request", e));
        }
        Delivery delivery = new Delivery(event.getId(), key(event), request);
        List<Delivery> start;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new SinkException("HTTP sink is closed"));
            }
            if (waiting >= settings.capacity()) {
                return CompletableFuture.failedFuture(new SinkFullException(
                        "HTTP sink is full (" + waiting + " events wait, " + inFlight + " in flight)"));
            }
            ArrayDeque<Delivery> lane = lanes.get(delivery.key);
            if (lane == null) {
                lane = new ArrayDeque<>();
                lanes.put(delivery.key, lane);
                readyKeys.add(delivery.key);
            }
            lane.add(delivery);
            waiting++;
            start = dispatchLocked();
        }
        start.forEach(next -> dispatcher.execute(() -> attempt(next)));
        return delivery.future;
    }

    /**
     * Stops accepting events and waits until every accepted event has its outcome (at most
     * {@link HttpSinkSettings#retryFor()} plus {@link HttpSinkSettings#timeout()} for the longest one, and a few
     * seconds of grace), fails what is still left then, and stops the sink's threads. Called on the sink's thread (from
     * a completion callback), it only initiates the close.
     */
    @Override
    public void close() {
        boolean empty;
        synchronized (lock) {
            closed = true;
            empty = waiting == 0 && inFlight == 0;
        }
        if (empty) {
            drained.complete(null);
        }
        if (Thread.currentThread() == dispatcherThread) {
            drained.whenComplete((ignored, error) -> release());
            return;
        }
        Duration bound = settings.retryFor().plus(settings.timeout()).plus(CLOSE_GRACE);
        try {
            drained.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("HTTP sink to {} still had events after {}; failing them", settings.url(), bound);
            failRemaining();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failRemaining();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot happen: drained is never failed", e);
        }
        release();
    }

    /** @return how many events were accepted (2xx) so far */
    public long sent() {
        return sent.sum();
    }

    /** @return how many events failed after being accepted for sending (not counting full or closed rejections) */
    public long failed() {
        return failed.sum();
    }

    /** @return how many HTTP requests were started so far, retries included */
    public long requests() {
        return requests.sum();
    }

    /**
     * Percent-encodes a {@code ce-} header value as the CloudEvents HTTP binding requires (section 3.1.3.2): the UTF-8
     * bytes of space, {@code "}, {@code %} and every character outside printable ASCII become {@code %XX}.
     *
     * @param value an attribute value
     * @return the encoded value; the same instance if nothing needed encoding
     */
    static String encodeHeaderValue(String value) {
        int i = 0;
        while (i < value.length() && isPlain(value.charAt(i))) {
            i++;
        }
        if (i == value.length()) {
            return value;
        }
        StringBuilder encoded = new StringBuilder(value.length() + 16).append(value, 0, i);
        for (byte b : value.substring(i).getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (isPlain(c)) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(HEX[c >>> 4]).append(HEX[c & 0x0F]);
            }
        }
        return encoded.toString();
    }

    private static boolean isPlain(int c) {
        return c > ' ' && c <= '~' && c != '"' && c != '%';
    }

    private HttpRequest request(CloudEvent event) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(settings.url()).timeout(settings.timeout());
        settings.headers().forEach(builder::header);
        byte[][] body = {new byte[0]};
        HttpMessageFactory.createWriter(
                (name, value) -> builder.setHeader(name, name.startsWith("ce-") ? encodeHeaderValue(value) : value),
                bytes -> {
                    if (bytes != null) {
                        body[0] = bytes;
                    }
                }).writeBinary(event);
        return builder.POST(HttpRequest.BodyPublishers.ofByteArray(body[0])).build();
    }

    private static String key(CloudEvent event) {
        Object key = event.getExtension(EventMapper.EXT_PARTITION_KEY);
        return key != null ? key.toString() : String.valueOf(event.getSource());
    }

    /** @return the events to start now: the next of each ready key, while slots are free */
    private List<Delivery> dispatchLocked() {
        List<Delivery> start = null;
        while (inFlight < settings.maxConcurrency() && !readyKeys.isEmpty()) {
            Delivery next = lanes.get(readyKeys.poll()).peek();
            waiting--;
            inFlight++;
            if (start == null) {
                start = new ArrayList<>(2);
            }
            start.add(next);
        }
        return start == null ? List.of() : start;
    }

    /** On the dispatcher thread. */
    private void attempt(Delivery delivery) {
        if (delivery.attempts == 0) {
            delivery.deadline = System.nanoTime() + settings.retryFor().toNanos();
        }
        delivery.attempts++;
        requests.increment();
        CompletableFuture<HttpResponse<Void>> response;
        try {
            response = client.sendAsync(delivery.request, HttpResponse.BodyHandlers.discarding());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        response.whenCompleteAsync((result, error) -> onResponse(delivery, result, error), dispatcher);
    }

    /** On the dispatcher thread. */
    private void onResponse(Delivery delivery, HttpResponse<Void> response, Throwable error) {
        if (error == null && response.statusCode() / 100 == 2) {
            finish(delivery, null);
            return;
        }
        Throwable cause = EventMapper.causeOf(error);
        String outcome = cause == null ? "HTTP " + response.statusCode() : cause.toString();
        long remaining = delivery.deadline - System.nanoTime();
        if (remaining <= 0) {
            finish(delivery, new SinkException("POST of event " + delivery.id + " to " + settings.url()
                    + " failed after " + delivery.attempts + " attempts in " + settings.retryFor().toMillis()
                    + " ms; last: " + outcome, cause));
            return;
        }
        long backoff = Math.min(MAX_BACKOFF.toNanos(), FIRST_BACKOFF.toNanos() << Math.min(delivery.attempts - 1, 20));
        long delay = Math.min(remaining, backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
        LOG.debug("POST of event {} got {}; retrying in {} ms", delivery.id, outcome,
                TimeUnit.NANOSECONDS.toMillis(delay));
        dispatcher.schedule(() -> attempt(delivery), delay, TimeUnit.NANOSECONDS);
    }

    /** On the dispatcher thread: frees the event's slot, starts what can start, then completes its future. */
    private void finish(Delivery delivery, SinkException failure) {
        List<Delivery> start;
        boolean empty;
        synchronized (lock) {
            ArrayDeque<Delivery> lane = lanes.get(delivery.key);
            lane.poll();
            if (lane.isEmpty()) {
                lanes.remove(delivery.key);
            } else {
                readyKeys.add(delivery.key);
            }
            inFlight--;
            start = dispatchLocked();
            empty = closed && waiting == 0 && inFlight == 0;
        }
        start.forEach(this::attempt);
        if (failure == null) {
            sent.increment();
            delivery.future.complete(null);
        } else {
            failed.increment();
            delivery.future.completeExceptionally(failure);
        }
        if (empty) {
            drained.complete(null);
        }
    }

    private void failRemaining() {
        List<Delivery> left = new ArrayList<>();
        synchronized (lock) {
            lanes.values().forEach(left::addAll);
        }
        SinkException failure = new SinkException("HTTP sink closed before the event was accepted");
        left.forEach(delivery -> delivery.future.completeExceptionally(failure));
    }

    private void release() {
        dispatcher.shutdownNow();
        clientThreads.shutdownNow();
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One event on its way; mutable fields are used on the dispatcher thread only. */
    private static final class Delivery {

        final String id;
        final String key;
        final HttpRequest request;
        final CompletableFuture<Void> future = new CompletableFuture<>();
        int attempts;
        long deadline;

        Delivery(String id, String key, HttpRequest request) {
            this.id = id;
            this.key = key;
            this.request = request;
        }
    }
}
