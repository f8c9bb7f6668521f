package io.hatchway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoint's metrics, registered once in a Prometheus registry. Every meter is created up front so the hot
 * paths only increment; all methods are thread-safe.
 */
public final class EndpointMetrics {

    /** How a CONNECT ended. */
    public enum ConnectOutcome {
        ACCEPTED, BAD_CREDENTIALS, NOT_AUTHORIZED, UNAVAILABLE, REFUSED, TAKEN_OVER, OVER_LIMIT, THROTTLED
    }

    /** How a PUBLISH ended. */
    public enum PublishOutcome {
        ACCEPTED, NOT_AUTHORIZED, INVALID_TOPIC, INVALID_PAYLOAD, SINK_FULL, SINK_FAILED, OVER_QUOTA
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger connectionsOpen = new AtomicInteger();
    private final Map<ConnectOutcome, Counter> connects = new EnumMap<>(ConnectOutcome.class);
    private final Counter[][] publishes = new Counter[PublishOutcome.values().length][3];
    private final Counter commandsDelivered;
    private final Counter commandsUndelivered;
    private final Timer sinkLatency;
    private final Counter lifecycleEventsLost;

    public EndpointMetrics() {
        Gauge.builder("hatchway.connections.open", connectionsOpen, AtomicInteger::get)
                .description("MQTT connections currently open").register(registry);
        for (ConnectOutcome outcome : ConnectOutcome.values()) {
            connects.put(outcome, Counter.builder("hatchway.connects").description("CONNECT attempts by outcome")
                    .tag("outcome", name(outcome)).register(registry));
        }
        for (PublishOutcome outcome : PublishOutcome.values()) {
            for (int qos = 0; qos < 3; qos++) {
                publishes[outcome.ordinal()][qos] = Counter.builder("hatchway.publishes")
                        .description("PUBLISH packets by outcome and QoS")
                        .tag("outcome", name(outcome)).tag("qos", Integer.toString(qos)).register(registry);
            }
        }
        commandsDelivered = Counter.builder("hatchway.commands").description("commands by outcome")
                .tag("outcome", "delivered").register(registry);
        commandsUndelivered = Counter.builder("hatchway.commands").description("commands by outcome")
                .tag("outcome", "undelivered").register(registry);
        lifecycleEventsLost = Counter.builder("hatchway.lifecycle.events.lost")
                .description("connection events and wills the sink did not accept, even after retries")
                .register(registry);
        // No client-side percentiles: they cost on every publish; Prometheus computes them from the histogram.
        sinkLatency = Timer.builder("hatchway.sink.send").description("time until the sink accepted an event")
                .publishPercentileHistogram().register(registry);
    }

    private static String name(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    public void connectionOpened() {
        connectionsOpen.incrementAndGet();
    }

    public void connectionClosed() {
        connectionsOpen.decrementAndGet();
    }

    public void connect(ConnectOutcome outcome) {
        connects.get(outcome).increment();
    }

    public void publish(PublishOutcome outcome, int qos) {
        publishes[outcome.ordinal()][qos].increment();
    }

    public void command(boolean delivered) {
        (delivered ? commandsDelivered : commandsUndelivered).increment();
    }

    public void lifecycleEventLost() {
        lifecycleEventsLost.increment();
    }

    public void sinkSend(long nanos) {
        sinkLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The Prometheus text exposition of all meters. */
    public String scrape() {
        return registry.scrape();
    }
}
