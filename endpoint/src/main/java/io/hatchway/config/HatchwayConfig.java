package io.hatchway.config;

import io.hatchway.events.HttpSinkSettings;
import io.hatchway.events.KafkaSinkSettings;
import io.hatchway.mqtt.MqttLimits;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * @param mqtts        the MQTT over TLS listener, if enabled
 * @param mqttsPsk     the MQTT over TLS-PSK listener, if enabled
 * @param ws           the MQTT over WebSocket listener, if enabled
 * @param wss          the MQTT over secure WebSocket listener (with the {@code mqtts} certificate), if enabled
 * @param integration  how backends follow events and send commands
 */
public record HatchwayConfig(Mqtt mqtt, Http http, Path registryFile, Events events, String instance,
                             Optional<Tls> mqtts, Optional<Psk> mqttsPsk, Optional<WebSocket> ws,
                             Optional<WebSocket> wss, Integration integration) {

    public HatchwayConfig {
        Objects.requireNonNull(mqtt, "mqtt");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(registryFile, "registryFile");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(mqtts, "mqtts");
        Objects.requireNonNull(mqttsPsk, "mqttsPsk");
        Objects.requireNonNull(ws, "ws");
        Objects.requireNonNull(wss, "wss");
        Objects.requireNonNull(integration, "integration");
        if (wss.isPresent() && mqtts.isEmpty()) {
            throw new IllegalArgumentException("wss uses the certificate of mqtts, which is not configured");
        }
        if (integration.mqtts().isPresent() && mqtts.isEmpty()) {
            throw new IllegalArgumentException("integration.mqtts uses the certificate of mqtts, which is not configured");
        }
    }

    /** Plain MQTT over TCP and HTTP only. */
    public HatchwayConfig(Mqtt mqtt, Http http, Path registryFile, Events events, String instance) {
        this(mqtt, http, registryFile, events, instance, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** Without an MQTT integration listener. */
    public HatchwayConfig(Mqtt mqtt, Http http, Path registryFile, Events events, String instance,
                          Optional<Tls> mqtts, Optional<Psk> mqttsPsk, Optional<WebSocket> ws,
                          Optional<WebSocket> wss) {
        this(mqtt, http, registryFile, events, instance, mqtts, mqttsPsk, ws, wss, Integration.DEFAULTS);
    }

    /** A copy with other integration settings. */
    public HatchwayConfig withIntegration(Integration other) {
        return new HatchwayConfig(mqtt, http, registryFile, events, instance, mqtts, mqttsPsk, ws, wss, other);
    }

    /** A copy with other MQTT settings. */
    public HatchwayConfig withMqtt(Mqtt other) {
        return new HatchwayConfig(other, http, registryFile, events, instance, mqtts, mqttsPsk, ws, wss,
                integration);
    }

    /** A copy with the given secure and WebSocket listeners. */
    public HatchwayConfig withListeners(Optional<Tls> mqtts, Optional<Psk> mqttsPsk, Optional<WebSocket> ws,
                                        Optional<WebSocket> wss) {
        return new HatchwayConfig(mqtt, http, registryFile, events, instance, mqtts, mqttsPsk, ws, wss,
                integration);
    }

    /**
     * @param bind            listener address
     * @param maxPacketSize   largest accepted MQTT packet in bytes, advertised in the MQTT 5 CONNACK
     * @param connectTimeout  how long a TCP connection may stay without sending CONNECT
     * @param receiveMaximum  QoS 1 and 2 publishes in flight per connection before the socket stops being read;
     *                        advertised as the MQTT 5 Receive Maximum
     * @param defaultApplication the application of devices whose username and client id carry none (no {@code @})
     * @param blockedTimeout  how long a connection may wait for the sink (not read, its publishes unacknowledged)
     *                        before it is disconnected (MQTT 5: DISCONNECT 0x89 Server busy)
     * @param limits          keep-alive, connection, topic and authentication-failure limits
     */
    public record Mqtt(BindAddress bind, int maxPacketSize, Duration connectTimeout, int receiveMaximum,
                       Optional<String> defaultApplication, Duration blockedTimeout, MqttLimits limits) {
        public Mqtt {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(defaultApplication, "defaultApplication");
            Objects.requireNonNull(blockedTimeout, "blockedTimeout");
            Objects.requireNonNull(limits, "limits");
        }

        public Mqtt(BindAddress bind, int maxPacketSize, Duration connectTimeout, int receiveMaximum) {
            this(bind, maxPacketSize, connectTimeout, receiveMaximum, Optional.empty(), DEFAULT_BLOCKED_TIMEOUT);
        }

        public Mqtt(BindAddress bind, int maxPacketSize, Duration connectTimeout, int receiveMaximum,
                    Optional<String> defaultApplication, Duration blockedTimeout) {
            this(bind, maxPacketSize, connectTimeout, receiveMaximum, defaultApplication, blockedTimeout,
                    MqttLimits.DEFAULTS);
        }

        /** A copy with other limits. */
        public Mqtt withLimits(MqttLimits other) {
            return new Mqtt(bind, maxPacketSize, connectTimeout, receiveMaximum, defaultApplication, blockedTimeout,
                    other);
        }

        public static final Duration DEFAULT_BLOCKED_TIMEOUT = Duration.ofSeconds(60);
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
     * @param sink          the sink kind
     * @param path          the file of the {@code file} sink (absolute), null otherwise
     * @param capacity      events the file, stdout or HTTP sink may hold before it refuses more (its buffer)
     * @param kafka         the settings of the {@code kafka} sink, null otherwise
     * @param http          the settings of the {@code http} sink, null otherwise
     * @param commandsTopic with the {@code kafka} sink: the Kafka topic commands go through to reach every
     *                      instance; null otherwise (commands stay local)
     */
    public record Events(Sink sink, Path path, int capacity, KafkaSinkSettings kafka, HttpSinkSettings http,
                         String commandsTopic) {
        public Events {
            Objects.requireNonNull(sink, "sink");
            if (sink == Sink.FILE) {
                Objects.requireNonNull(path, "path");
            }
            if (sink == Sink.KAFKA) {
                Objects.requireNonNull(kafka, "kafka");
                Objects.requireNonNull(commandsTopic, "commandsTopic");
            }
            if (sink == Sink.HTTP) {
                Objects.requireNonNull(http, "http");
            }
        }

        /** A file, stdout sink. */
        public Events(Sink sink, Path path, int capacity) {
            this(sink, path, capacity, null, null, null);
        }
    }

    public enum Sink {
        FILE, STDOUT, KAFKA, HTTP
    }

    /**
     * @param bind       listener address
     * @param cert       the server certificate chain (PEM), reloaded when the file changes
     * @param key        the server private key (PEM, PKCS#8), reloaded when the file changes
     * @param clientAuth whether clients present certificates
     */
    public record Tls(BindAddress bind, Path cert, Path key, ClientAuth clientAuth) {
        public Tls {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(clientAuth, "clientAuth");
        }
    }

    /** Whether TLS clients present a certificate: never asked, asked, or required. */
    public enum ClientAuth {
        NONE, OPTIONAL, REQUIRE
    }

    /** @param bind listener address of TLS-PSK (TLS 1.2 PSK cipher suites) */
    public record Psk(BindAddress bind) {
        public Psk {
            Objects.requireNonNull(bind, "bind");
        }
    }

    /**
     * @param bind           listener address
     * @param path           the HTTP path of the WebSocket endpoint, e.g. {@code /mqtt}
     * @param allowedOrigins if not empty, the {@code Origin} header values accepted for the upgrade
     */
    public record WebSocket(BindAddress bind, String path, List<String> allowedOrigins) {
        public WebSocket {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(path, "path");
            allowedOrigins = List.copyOf(allowedOrigins);
        }
    }

    /**
     * @param mqtt           the MQTT integration listener backends connect to, if enabled
     * @param maxQueued      events queued for one subscriber (MQTT subscription or event stream) before it is cut off
     * @param maxQueuedBytes bytes of events (in their JSON form) queued for one subscriber before it is cut off
     * @param mqtts          the MQTT integration listener over TLS (with the {@code mqtts} certificate), if enabled
     * @param ws             the MQTT integration listener over WebSocket (browser dashboards with MQTT.js), if enabled
     */
    public record Integration(Optional<BindAddress> mqtt, int maxQueued, long maxQueuedBytes,
                              Optional<BindAddress> mqtts, Optional<WebSocket> ws) {
        public static final long DEFAULT_MAX_QUEUED_BYTES = 16L * 1024 * 1024;
        public static final Integration DEFAULTS = new Integration(Optional.empty(), 1_000, DEFAULT_MAX_QUEUED_BYTES);

        public Integration {
            Objects.requireNonNull(mqtt, "mqtt");
            Objects.requireNonNull(mqtts, "mqtts");
            Objects.requireNonNull(ws, "ws");
            if (maxQueued < 1 || maxQueued > 65_535) {
                throw new IllegalArgumentException("maxQueued must be 1..65535");
            }
            if (maxQueuedBytes < 1) {
                throw new IllegalArgumentException("maxQueuedBytes must be positive");
            }
        }

        public Integration(Optional<BindAddress> mqtt, int maxQueued, long maxQueuedBytes,
                           Optional<BindAddress> mqtts) {
            this(mqtt, maxQueued, maxQueuedBytes, mqtts, Optional.empty());
        }

        public Integration(Optional<BindAddress> mqtt, int maxQueued, long maxQueuedBytes) {
            this(mqtt, maxQueued, maxQueuedBytes, Optional.empty());
        }

        public Integration(Optional<BindAddress> mqtt, int maxQueued) {
            this(mqtt, maxQueued, DEFAULT_MAX_QUEUED_BYTES);
        }
    }
}
