package io.hatchway.events;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how an {@link HttpSink} posts events. Immutable; validated when built.
 *
 * @param url the endpoint to POST every event to; {@code http} or {@code https}
 * @param headers extra request headers sent with every request, e.g. {@code Authorization}
 * @param timeout the limit for connecting and for each request until the response status arrives
 * @param retryFor how long an event is retried in total, from its first attempt, before it fails; zero for no retry
 * @param maxConcurrency how many events may be in flight (being posted or waiting for their next retry) at once
 * @param capacity how many further events may wait for a free slot before sends fail with {@link SinkFullException}
 */
public record HttpSinkSettings(URI url, Map<String, String> headers, Duration timeout, Duration retryFor,
                               int maxConcurrency, int capacity) {

    /** The {@link #timeout()} of {@link #of}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The {@link #retryFor()} of {@link #of}. */
    public static final Duration DEFAULT_RETRY_FOR = Duration.ofSeconds(30);
    /** The {@link #maxConcurrency()} of {@link #of}. */
    public static final int DEFAULT_MAX_CONCURRENCY = 16;
    /** The {@link #capacity()} of {@link #of}. */
    public static final int DEFAULT_CAPACITY = 10_000;

    /**
     * @throws IllegalArgumentException if the URL is not absolute http(s), a duration is negative (or the timeout not
     *         positive), or a count is below 1
     */
    public HttpSinkSettings {
        Objects.requireNonNull(url, "url");
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(retryFor, "retryFor");
        if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme())
                || url.getHost() == null) {
            throw new IllegalArgumentException("url must be an absolute http or https URL, was '" + url + "'");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        if (retryFor.isNegative()) {
            throw new IllegalArgumentException("retryFor must not be negative, was " + retryFor);
        }
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be at least 1, was " + maxConcurrency);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
    }

    /**
     * No extra headers, {@link #DEFAULT_TIMEOUT}, {@link #DEFAULT_RETRY_FOR}, {@value #DEFAULT_MAX_CONCURRENCY} in
     * flight, {@value #DEFAULT_CAPACITY} waiting.
     *
     * @param url the endpoint to POST events to
     * @return the settings
     */
    public static HttpSinkSettings of(URI url) {
        return new HttpSinkSettings(url, Map.of(), DEFAULT_TIMEOUT, DEFAULT_RETRY_FOR, DEFAULT_MAX_CONCURRENCY,
                DEFAULT_CAPACITY);
    }
}
