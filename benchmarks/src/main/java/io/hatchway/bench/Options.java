package io.hatchway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One load run's settings, parsed and checked by {@link OptionParser}. Immutable.
 *
 * @param host            server host
 * @param port            server port
 * @param transport       how to reach the server
 * @param ca              PEM file of the CA to trust for {@code tls}/{@code wss}; empty: the JVM's default trust
 * @param wsPath          the WebSocket path for {@code ws}/{@code wss}
 * @param client          the MQTT client implementation
 * @param devices         number of devices, each with its own connection; empty: 10 generated devices, or every
 *                        device of {@code app} in {@code registryIn}
 * @param firstDevice     the number of the first generated device ({@code dev-K} ...), or how many devices of
 *                        {@code registryIn} to skip: lets several runs use different devices of one registry
 * @param app             the Hatchway application of the devices
 * @param passwordPrefix  device {@code dev-i} logs in with password {@code passwordPrefix + "dev-i"}
 * @param registryOut     write a registry of the generated devices here before connecting
 * @param registryOnly    write {@code registryOut} and exit without connecting
 * @param registryIn      read device names and plain {@code pass} passwords from this registry instead
 * @param noAuth          connect without username and password (e.g. to Mosquitto)
 * @param connectRate     connection attempts per second during the ramp; 0: as fast as possible
 * @param connectTimeout  how long one connection attempt may take
 * @param qos             0 or 1
 * @param rate            total publishes per second across all connections; empty: as fast as the window allows;
 *                        0: connect and stay idle
 * @param window          publishes in flight per connection (not yet acknowledged, or for QoS 0 not yet written)
 * @param payloadBytes    size of every payload
 * @param warmup          how long to publish before measuring starts: counters, rates and latencies leave it out
 * @param duration        how long to publish and measure after the warm-up (ignored with {@code soak})
 * @param soak            publish until interrupted (Ctrl-C), at most {@code maxDuration}
 * @param maxDuration     upper bound of a soak run's publishing phase
 * @param mqttVersion     3 (3.1.1) or 5
 * @param topic           the topic published to: a drogue/v1 channel
 * @param summaryJson     write the summary as JSON here
 * @param serverPid       a local server process whose CPU time to report per message (Linux)
 * @param verify          where to look for the published messages after the run
 * @param verifyTimeout   how long to wait for acknowledged messages to show up in the sink
 */
public record Options(String host, int port, TransportKind transport, Optional<Path> ca, String wsPath,
                      ClientKind client, OptionalInt devices, int firstDevice, String app, String passwordPrefix,
                      Optional<Path> registryOut, boolean registryOnly, Optional<Path> registryIn, boolean noAuth,
                      double connectRate, Duration connectTimeout, int qos, Optional<Long> rate, int window,
                      int payloadBytes, Duration warmup, Duration duration, boolean soak, Duration maxDuration,
                      int mqttVersion, String topic, Optional<Path> summaryJson, OptionalLong serverPid,
                      Optional<VerifyTarget> verify, Duration verifyTimeout) {

    public Options {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(wsPath, "wsPath");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(devices, "devices");
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(passwordPrefix, "passwordPrefix");
        Objects.requireNonNull(registryOut, "registryOut");
        Objects.requireNonNull(registryIn, "registryIn");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(rate, "rate");
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(maxDuration, "maxDuration");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(summaryJson, "summaryJson");
        Objects.requireNonNull(serverPid, "serverPid");
        Objects.requireNonNull(verify, "verify");
        Objects.requireNonNull(verifyTimeout, "verifyTimeout");
    }

    /** How long the measured publishing lasts at most: the duration, or for a soak the max duration. */
    public Duration publishLimit() {
        return soak ? maxDuration : duration;
    }

    /** Whether connections publish at all ({@code --rate 0} holds them idle). */
    public boolean publishes() {
        return rate.map(r -> r > 0).orElse(true);
    }

    /** The MQTT client implementations. */
    public enum ClientKind {
        /** The HiveMQ MQTT client, async API. */
        HIVEMQ,
        /** A minimal MQTT client on Netty's MQTT codec: CONNECT, PUBLISH QoS 0/1, PUBACK, DISCONNECT. */
        NETTY
    }

    /** Where the run's messages are looked for after the run. */
    public sealed interface VerifyTarget {

        /** Hatchway's file sink: one CloudEvent per line. */
        record File(Path path) implements VerifyTarget {
            public File {
                Objects.requireNonNull(path, "path");
            }
        }

        /** Hatchway's Kafka sink: one record per event, binary or structured mode. */
        record Kafka(String bootstrapServers, String topic) implements VerifyTarget {
            public Kafka {
                Objects.requireNonNull(bootstrapServers, "bootstrapServers");
                Objects.requireNonNull(topic, "topic");
            }
        }
    }
}
