package io.hatchway.bench;

import org.HdrHistogram.Histogram;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * The result of a run, printed as text and written as JSON by {@link SummaryReport}.
 *
 * @param run          the run id carried in every payload
 * @param target       what was measured, and how
 * @param connections  the ramp
 * @param publishing   the publishing phase
 * @param latency      publish latency in microseconds: to the PUBACK for QoS 1, to the socket write for QoS 0
 * @param cpu          CPU time of the generator (and of the server, if known) during the measured phase
 * @param errors       errors by reason
 * @param verification what the sink held, if verified
 */
public record Summary(String run, Target target, Connections connections, Publishing publishing, Latency latency,
                      Cpu cpu, Map<String, Long> errors, Optional<Verification> verification) {

    public Summary {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(publishing, "publishing");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(cpu, "cpu");
        errors = Collections.unmodifiableMap(new TreeMap<>(errors));
        Objects.requireNonNull(verification, "verification");
    }

    public Summary withVerification(Verification v) {
        return new Summary(run, target, connections, publishing, latency, cpu, errors, Optional.of(v));
    }

    /**
     * @param mode   {@code window} (as fast as the window allows), {@code rate} or {@code idle}
     * @param rate   the target total rate, 0 unless {@code mode} is {@code rate}
     */
    public record Target(String host, int port, String transport, String client, int mqtt, int qos,
                         int payloadBytes, int devices, String mode, int window, long rate) {
    }

    /**
     * @param attempted         connection attempts
     * @param accepted          connections accepted (CONNACK success)
     * @param failed            attempts refused, failed or timed out
     * @param lost              accepted connections that ended before the run did
     * @param rampSeconds       from the first attempt to the last acceptance
     * @param connectsPerSecond accepted connections per second of the ramp
     * @param latency           from starting the TCP connection to the CONNACK, microseconds
     * @param cpu               CPU time during the ramp, per accepted connection
     */
    public record Connections(long attempted, long accepted, long failed, long lost, double rampSeconds,
                              double connectsPerSecond, Latency latency, Cpu cpu) {
    }

    /**
     * @param warmupSeconds         publishing before measuring started, left out of everything below
     * @param seconds               length of the measured publishing phase
     * @param sent                  publishes sent
     * @param acknowledged          QoS 1: PUBACKed with success; QoS 0: written
     * @param failed                publishes that failed (error PUBACK, connection lost)
     * @param unacknowledged        still in flight when the run ended (warm-up included)
     * @param skipped               rate mode: due while every window was full, not sent
     * @param sentPerSecond         sent / seconds
     * @param acknowledgedPerSecond acknowledged / seconds
     */
    public record Publishing(double warmupSeconds, double seconds, long sent, long acknowledged, long failed,
                             long unacknowledged, long skipped, double sentPerSecond, double acknowledgedPerSecond) {
    }

    /**
     * CPU time during a phase, and per item done in it (acknowledged message, accepted connection).
     *
     * @param generatorSeconds  this load generator's
     * @param serverSeconds     the server process's ({@code --server-pid}), if known
     * @param items             what was done
     */
    public record Cpu(OptionalDouble generatorSeconds, OptionalDouble serverSeconds, long items) {

        public Cpu {
            Objects.requireNonNull(generatorSeconds, "generatorSeconds");
            Objects.requireNonNull(serverSeconds, "serverSeconds");
        }

        public OptionalDouble generatorMicrosPerItem() {
            return perItem(generatorSeconds);
        }

        public OptionalDouble serverMicrosPerItem() {
            return perItem(serverSeconds);
        }

        private OptionalDouble perItem(OptionalDouble seconds) {
            return seconds.isPresent() && items > 0
                    ? OptionalDouble.of(seconds.getAsDouble() * 1e6 / items) : OptionalDouble.empty();
        }
    }

    /** Percentiles of a latency histogram, microseconds. */
    public record Latency(long count, double mean, long p50, long p90, long p99, long p999, long max) {

        public static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50),
                    h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
                    h.getMaxValue());
        }
    }
}
