package io.hatchway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole, validated configuration of one Hatchway instance. Immutable; built by {@link ConfigLoader} or, in
 * tests, directly.
 *
 * @param mqtt         the plain MQTT listener
 * @param http         the HTTP listener (command API, health, metrics)
 * @param registryFile the registry YAML file (absolute)
 * @param events       where accepted events go
 * @param instance     this instance's name, carried in every event's {@code instance} extension
 */
public record HatchwayConfig(Mqtt mqtt, Http http, Path registryFile, Events events, String instance) {

    public HatchwayConfig {
        Objects.requireNonNull(mqtt, "mqtt");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(registryFile, "registryFile");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(instance, "instance");
    }

    /**
     * @param bind            listener address
     * @param maxPacketSize   largest accepted MQTT packet in bytes, advertised in the MQTT 5 CONNACK
     * @param connectTimeout  how long a TCP connection may stay without sending CONNECT
     * @param receiveMaximum  QoS 1 and 2 publishes in flight per connection before the socket stops being read;
     *                        advertised as the MQTT 5 Receive Maximum
     */
    public record Mqtt(BindAddress bind, int maxPacketSize, Duration connectTimeout, int receiveMaximum) {
        public Mqtt {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
        }
    }

    /**
     * @param bind  listener address
     * @param token bearer token required by the command API, or empty
     */
    public record Http(BindAddress bind, Optional<String> token) {
        public Http {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(token, "token");
        }
    }

    /**
     * @param sink     the sink kind
     * @param path     the file of the {@code file} sink (absolute), null otherwise
     * @param capacity events the sink may hold before it refuses more (its buffer)
     */
    public record Events(Sink sink, Path path, int capacity) {
        public Events {
            Objects.requireNonNull(sink, "sink");
            if (sink == Sink.FILE) {
                Objects.requireNonNull(path, "path");
            }
        }
    }

    public enum Sink {
        FILE, STDOUT
    }
}
