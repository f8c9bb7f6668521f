package io.hatchway;

import io.hatchway.auth.GatewayDecisionsBenchmark;
import io.hatchway.dialect.TopicDialectBenchmark;
import io.hatchway.events.EventMappingBenchmark;
import io.hatchway.mqtt.InboundPathBenchmark;
import io.hatchway.transport.MqttDecodeBenchmark;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs every JMH benchmark of the module once, briefly and in this JVM, with one small parameter set: proves each
 * still sets up, executes and reports a sane score. Not a measurement; see {@code benchmarks/README.md} for that.
 */
class BenchmarksSmokeTest {

    /** The benchmarks that must be there; any other benchmark of the module runs too. */
    private static final List<Class<?>> BENCHMARKS = List.of(MqttDecodeBenchmark.class, TopicDialectBenchmark.class,
            GatewayDecisionsBenchmark.class, EventMappingBenchmark.class, InboundPathBenchmark.class);

    @Test
    void everyBenchmarkRunsAndReportsAPositiveFiniteScore() throws RunnerException {
        // Another JMH run on this machine (a real measurement) must not make the build fail.
        System.setProperty("jmh.ignoreLock", "true");
        Options options = new OptionsBuilder()
                .include("^io\\.hatchway\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .param("payloadSize", "64")
                .param("protocol", "MQTT_5")
                .param("qos", "1")
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();

        Collection<RunResult> results = new Runner(options).run();

        Set<String> ran = new TreeSet<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            double score = result.getPrimaryResult().getScore();
            assertTrue(Double.isFinite(score) && score > 0, name + " scored " + score);
            ran.add(name);
        }
        Set<String> expected = BENCHMARKS.stream()
                .flatMap(type -> Arrays.stream(type.getDeclaredMethods())
                        .filter(method -> method.isAnnotationPresent(Benchmark.class))
                        .map(Method::getName)
                        .map(method -> type.getName() + "." + method))
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(ran.containsAll(expected), "did not run: " + expected.stream()
                .filter(name -> !ran.contains(name)).toList());
    }
}
