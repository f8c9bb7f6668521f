package io.hatchway.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One load run: connect every device at the ramp rate, then publish (window or rate mode) through the warm-up and
 * the measured duration, or until stopped; let what is in flight finish, disconnect, and sum up. Progress goes to
 * {@code progress} once per second.
 */
public final class LoadRun {

    /** How long in-flight publishes get to complete after publishing stops. */
    static final long DRAIN_SECONDS = 10;
    private static final long DISCONNECT_SECONDS = 10;

    private final Options options;
    private final List<DeviceLogin> devices;
    private final ConnectionFactory factory;
    private final PayloadFormat format;
    private final PrintStream progress;
    private final boolean terminal;
    private final LoadMetrics metrics = new LoadMetrics();
    private final AckLedger ledger;
    private final CpuClock generatorCpu = CpuClock.self();
    private final Optional<CpuClock> serverCpu;

    public LoadRun(Options options, List<DeviceLogin> devices, ConnectionFactory factory, PayloadFormat format,
                   PrintStream progress, boolean terminal) {
        this.options = Objects.requireNonNull(options, "options");
        this.devices = List.copyOf(devices);
        this.factory = Objects.requireNonNull(factory, "factory");
        this.format = Objects.requireNonNull(format, "format");
        this.progress = Objects.requireNonNull(progress, "progress");
        this.terminal = terminal;
        this.ledger = new AckLedger(devices.size());
        this.serverCpu = options.serverPid().isPresent()
                ? Optional.of(CpuClock.process(options.serverPid().getAsLong())) : Optional.empty();
    }

    /** What the run acknowledged, for verification. */
    public AckLedger ledger() {
        return ledger;
    }

    public Summary run(StopSignal stop) throws InterruptedException {
        ConnectRamp.Result ramp;
        Summary.Cpu rampCpu;
        Measured measured;
        List<DevicePublisher> publishers = new ArrayList<>();
        try (ProgressLine line = new ProgressLine(metrics, devices.size(), progress, terminal)) {
            line.start();
            OptionalLong generatorBefore = generatorCpu.cpuNanos();
            OptionalLong serverBefore = serverCpuNanos();
            ramp = new ConnectRamp(factory, options.connectRate(), options.connectTimeout(), metrics)
                    .run(devices, stop);
            rampCpu = new Summary.Cpu(difference(generatorBefore, generatorCpu.cpuNanos()),
                    difference(serverBefore, serverCpuNanos()), ramp.connections().size());
            for (ConnectRamp.Connected c : ramp.connections()) {
                DevicePublisher publisher = new DevicePublisher(c.device().index(), c.connection(), format,
                        options.window(), options.rate().isEmpty(), metrics, ledger);
                c.connection().lost().thenAccept(failure -> {
                    publisher.connectionLost();
                    metrics.connected.decrementAndGet();
                    metrics.connectionsLost.increment();
                    metrics.errors.add(failure.reason());
                });
                publishers.add(publisher);
            }
            measured = publish(publishers, stop);
            drain(publishers);
        }
        disconnect(ramp.connections());
        return summary(ramp, rampCpu, measured);
    }

    /** The counters and CPU clocks at the start and end of the measured phase. */
    private record Measured(double warmupSeconds, double seconds, LoadMetrics.Counts counts,
                            OptionalDouble generatorCpu, OptionalDouble serverCpu) {
    }

    /** Publishes through the warm-up and the measured phase; returns what the measured phase did. */
    private Measured publish(List<DevicePublisher> publishers, StopSignal stop) throws InterruptedException {
        long start = System.nanoTime();
        Thread pacer = null;
        boolean publishing = options.warmup().plus(options.publishLimit()).toNanos() > 0;
        if (!publishers.isEmpty() && !stop.stopped() && options.publishes() && publishing) {
            if (options.rate().isPresent()) {
                long end = start + options.warmup().toNanos() + options.publishLimit().toNanos();
                RatePacer rate = new RatePacer(publishers, options.rate().get(), metrics);
                pacer = new Thread(() -> rate.run(end, stop), "bench-rate");
                pacer.setDaemon(true);
                pacer.start();
            } else {
                publishers.forEach(DevicePublisher::fill);
            }
        }
        stop.awaitUntil(start + options.warmup().toNanos());
        long measureStart = System.nanoTime();
        metrics.publishLatency.reset();
        LoadMetrics.Counts before = metrics.counts();
        OptionalLong generatorBefore = generatorCpu.cpuNanos();
        OptionalLong serverBefore = serverCpuNanos();
        stop.awaitUntil(measureStart + options.publishLimit().toNanos());
        publishers.forEach(DevicePublisher::stop);
        long measureEnd = System.nanoTime();
        LoadMetrics.Counts after = metrics.counts();
        OptionalLong generatorAfter = generatorCpu.cpuNanos();
        OptionalLong serverAfter = serverCpuNanos();
        if (pacer != null) {
            pacer.join();
        }
        return new Measured((measureStart - start) / 1e9, (measureEnd - measureStart) / 1e9, after.minus(before),
                difference(generatorBefore, generatorAfter), difference(serverBefore, serverAfter));
    }

    private OptionalLong serverCpuNanos() {
        return serverCpu.map(CpuClock::cpuNanos).orElse(OptionalLong.empty());
    }

    private static OptionalDouble difference(OptionalLong before, OptionalLong after) {
        return before.isPresent() && after.isPresent()
                ? OptionalDouble.of((after.getAsLong() - before.getAsLong()) / 1e9) : OptionalDouble.empty();
    }

    private static void drain(List<DevicePublisher> publishers) throws InterruptedException {
        CompletableFuture<?>[] drained = publishers.stream().map(DevicePublisher::stop)
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(drained).get(DRAIN_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            // what is still in flight is reported as unacknowledged
        }
    }

    private static void disconnect(List<ConnectRamp.Connected> connections) throws InterruptedException {
        CompletableFuture<?>[] closed = connections.stream().map(c -> c.connection().disconnect())
                .toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(closed).get(DISCONNECT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            // closing is best effort
        }
    }

    private Summary summary(ConnectRamp.Result ramp, Summary.Cpu rampCpu, Measured measured) {
        String mode = !options.publishes() ? "idle" : options.rate().isPresent() ? "rate" : "window";
        Summary.Target target = new Summary.Target(options.host(), options.port(),
                options.transport().name().toLowerCase(Locale.ROOT), options.client().name().toLowerCase(Locale.ROOT),
                options.mqttVersion(), options.qos(), format.size(), devices.size(), mode, options.window(),
                options.rate().orElse(0L));
        metrics.connectLatency.interval();
        Summary.Connections connections = new Summary.Connections(metrics.connectAttempts.sum(),
                ramp.connections().size(), metrics.connectFailures.sum(), metrics.connectionsLost.sum(),
                ramp.seconds(), ramp.connectRate(), Summary.Latency.of(metrics.connectLatency.total()), rampCpu);
        LoadMetrics.Counts all = metrics.counts();
        LoadMetrics.Counts c = measured.counts();
        double seconds = measured.seconds();
        Summary.Publishing publishing = new Summary.Publishing(measured.warmupSeconds(), seconds, c.sent(),
                c.acknowledged(), c.failed(), Math.max(0, all.sent() - all.acknowledged() - all.failed()), c.skipped(),
                seconds > 0 ? c.sent() / seconds : 0, seconds > 0 ? c.acknowledged() / seconds : 0);
        Summary.Cpu cpu = new Summary.Cpu(measured.generatorCpu(), measured.serverCpu(), c.acknowledged());
        return new Summary(format.runId(), target, connections, publishing,
                Summary.Latency.of(metrics.publishLatency.total()), cpu, metrics.errors().snapshot(),
                Optional.empty());
    }
}
