package io.hatchway.auth;

import io.hatchway.BenchmarkFixtures;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The gateway authorization check of one connection with a warm cache, against the real file registry: the decision
 * for each device was made once in the setup, as after the first publish for it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class GatewayDecisionsBenchmark {

    private BenchmarkFixtures.RegistryFile registry;
    private GatewayDecisions gateway;
    /** Fresh strings, as decoded from a topic: equal to the registry's names but never the same instance. */
    private String self = new String(BenchmarkFixtures.GATEWAY);
    private String listedDevice = new String(BenchmarkFixtures.GATEWAY_TARGET);
    private String listedAlias = new String(BenchmarkFixtures.GATEWAY_TARGET_ALIAS);
    private String unlistedDevice = new String(BenchmarkFixtures.DEVICE);

    @Setup
    public void setUp() throws Exception {
        registry = new BenchmarkFixtures.RegistryFile();
        gateway = new GatewayDecisions(registry.registry(), BenchmarkFixtures.APPLICATION, BenchmarkFixtures.GATEWAY);
        expect(gateway.authorize(listedDevice), Optional.of(BenchmarkFixtures.GATEWAY_TARGET));
        expect(gateway.authorize(listedAlias), Optional.of(BenchmarkFixtures.GATEWAY_TARGET));
        expect(gateway.authorize(unlistedDevice), Optional.empty());
        expect(gateway.authorize(self), Optional.of(BenchmarkFixtures.GATEWAY));
    }

    @TearDown
    public void tearDown() {
        registry.close();
    }

    /** The gateway names itself: no look-up. */
    @Benchmark
    public Optional<String> self() {
        return gateway.authorize(self);
    }

    /** A device that lists the gateway, by name (cached). */
    @Benchmark
    public Optional<String> listedDevice() {
        return gateway.authorize(listedDevice);
    }

    /** A device that lists the gateway, by alias (cached). */
    @Benchmark
    public Optional<String> listedDeviceByAlias() {
        return gateway.authorize(listedAlias);
    }

    /** A device that does not list the gateway (denial cached). */
    @Benchmark
    public Optional<String> unlistedDevice() {
        return gateway.authorize(unlistedDevice);
    }

    private static void expect(Optional<String> actual, Optional<String> expected) {
        if (!actual.equals(expected)) {
            throw new IllegalStateException("expected " + expected + ", got " + actual);
        }
    }
}
