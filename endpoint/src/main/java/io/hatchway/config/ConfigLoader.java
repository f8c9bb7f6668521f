package io.hatchway.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.hatchway.events.HttpSinkSettings;
import io.hatchway.events.KafkaSink;
import io.hatchway.events.KafkaSinkSettings;
import io.hatchway.mqtt.MqttLimits;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads the YAML configuration once into a {@link HatchwayConfig}, failing fast with a one-line message that names
 * the file, the key and what is accepted. Unknown keys are errors; nothing is clamped silently. Relative paths are
 * resolved against the directory of the configuration file.
 */
public final class ConfigLoader {

    static final int DEFAULT_MAX_PACKET_SIZE = 262_144;
    static final int MAX_PACKET_SIZE_LIMIT = 268_435_455;
    static final int DEFAULT_RECEIVE_MAXIMUM = 32;
    static final int DEFAULT_SINK_CAPACITY = 65_536;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ConfigLoader() {
    }

    // The file as written; validated and converted by load().
    private record RawConfig(RawMqtt mqtt, RawHttp http, RawRegistry registry, RawEvents events, String instance,
                             RawTls mqtts, RawPsk mqttsPsk, RawWebSocket ws, RawWebSocket wss,
                             RawCommands commands, RawIntegration integration) {
    }

    private record RawIntegration(RawIntegrationMqtt mqtt, RawIntegrationMqtt mqtts, RawWebSocket ws,
                                  Integer maxQueued, Long maxQueuedBytes) {
    }

    private record RawIntegrationMqtt(String bind) {
    }

    private record RawTls(String bind, String cert, String key, String clientAuth) {
    }

    private record RawPsk(String bind) {
    }

    private record RawWebSocket(String bind, String path, List<String> allowedOrigins) {
    }

    private record RawMqtt(String bind, Integer maxPacketSize, String connectTimeout, Integer receiveMaximum,
                           String defaultApplication, String blockedTimeout, String maxKeepAlive,
                           Integer maxConnections, Integer maxTopicLength, Integer maxTopicLevels,
                           String authFailureDelay, Integer maxAuthFailuresPerAddress,
                           Integer maxAuthFailuresPerIdentity, String authFailureWindow) {
    }

    private record RawHttp(String bind, String token) {
    }

    private record RawRegistry(String file) {
    }

    private record RawEvents(String sink, String path, Integer capacity, RawKafka kafka, RawHttpSink http) {
    }

    private record RawKafka(String bootstrapServers, String topic, String mode, Map<String, String> properties,
                            Long bufferBytes) {
    }

    private record RawHttpSink(String url, Map<String, String> headers, String timeout, String retryFor,
                               Integer maxConcurrency) {
    }

    private record RawCommands(RawCommandsKafka kafka) {
    }

    private record RawCommandsKafka(String topic) {
    }

    public static HatchwayConfig load(Path file) throws ConfigException {
        Path absolute = file.toAbsolutePath().normalize();
        String name = absolute.toString();
        RawConfig raw;
        try {
            byte[] bytes = Files.readAllBytes(absolute);
            raw = bytes.length == 0 ? null : YAML.readValue(bytes, RawConfig.class);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name + ": file not found");
        } catch (JsonProcessingException e) {
            throw new ConfigException(describe(name, bytesOf(absolute), e), e);
        } catch (IOException e) {
            throw new ConfigException(name + ": cannot read: " + e.getMessage(), e);
        }
        if (raw == null) {
            throw new ConfigException(name + ": empty configuration, expected at least 'registry.file'");
        }
        return new Converter(name, absolute.getParent()).convert(raw);
    }

    private static byte[] bytesOf(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String describe(String file, byte[] yaml, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            // Jackson reports where it stopped reading (the end of a record's section); point at the key itself.
            JsonLocation key = locate(yaml, mapping.getPath());
            at = key == null ? at : key;
        }
        String position = at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr();
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            return file + position + ": " + path(unknown) + ": unknown key (accepted here: " + known + ")";
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            return file + position + ": " + path(mapping) + ": " + e.getOriginalMessage();
        }
        return file + position + ": " + e.getOriginalMessage();
    }

    /** Where the key at {@code path} starts in {@code yaml}, or null if it cannot be found. */
    private static JsonLocation locate(byte[] yaml, List<JsonMappingException.Reference> path) {
        try (JsonParser parser = YAML.getFactory().createParser(yaml)) {
            int depth = 0;
            int matched = 0;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    depth++;
                } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    depth--;
                    if (depth < matched) {
                        return null;
                    }
                } else if (token == JsonToken.FIELD_NAME && depth == matched + 1
                        && parser.currentName().equals(path.get(matched).getFieldName())) {
                    matched++;
                    if (matched == path.size()) {
                        return parser.currentTokenLocation();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private record Converter(String file, Path baseDir) {

        HatchwayConfig convert(RawConfig raw) throws ConfigException {
            RawMqtt mqtt = raw.mqtt() == null ? new RawMqtt(null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null) : raw.mqtt();
            RawHttp http = raw.http() == null ? new RawHttp(null, null) : raw.http();
            RawEvents events = raw.events() == null ? new RawEvents(null, null, null, null, null) : raw.events();
            if (raw.registry() == null || raw.registry().file() == null || raw.registry().file().isBlank()) {
                throw error("registry.file", "missing, expected the path of the registry YAML file");
            }

            BindAddress mqttBind = parse("mqtt.bind", mqtt.bind(), "127.0.0.1:1883", BindAddress::parse);
            int maxPacketSize = range("mqtt.maxPacketSize", mqtt.maxPacketSize(), DEFAULT_MAX_PACKET_SIZE,
                    64, MAX_PACKET_SIZE_LIMIT);
            Duration connectTimeout = parse("mqtt.connectTimeout", mqtt.connectTimeout(), "10s", Durations::parse);
            if (connectTimeout.isZero()) {
                throw error("mqtt.connectTimeout", "must be greater than 0");
            }
            int receiveMaximum = range("mqtt.receiveMaximum", mqtt.receiveMaximum(), DEFAULT_RECEIVE_MAXIMUM,
                    1, 65_535);
            Duration blockedTimeout = parse("mqtt.blockedTimeout", mqtt.blockedTimeout(), "60s", Durations::parse);
            if (blockedTimeout.isZero()) {
                throw error("mqtt.blockedTimeout", "must be greater than 0");
            }
            Optional<String> defaultApplication = Optional.ofNullable(mqtt.defaultApplication());
            if (defaultApplication.isPresent() && (defaultApplication.get().isBlank()
                    || defaultApplication.get().contains("@"))) {
                throw error("mqtt.defaultApplication", "must be an application name (not empty, no '@')");
            }

            MqttLimits limits = limits(mqtt);

            BindAddress httpBind = parse("http.bind", http.bind(), "127.0.0.1:8080", BindAddress::parse);
            Optional<String> token = Optional.ofNullable(http.token()).filter(t -> !t.isEmpty());
            if (token.isEmpty() && !httpBind.isLoopback()) {
                throw error("http.bind", "'" + httpBind + "' is not a loopback address and no http.token is set;"
                        + " set http.token or bind to 127.0.0.1 so the command API is not open to the network");
            }

            HatchwayConfig.Sink sink = parse("events.sink", events.sink(), "file", ConfigLoader::sink);
            Path path = null;
            if (sink == HatchwayConfig.Sink.FILE) {
                if (events.path() != null && events.path().isBlank()) {
                    throw error("events.path", "must not be empty");
                }
                path = baseDir.resolve(events.path() == null ? "events.jsonl" : events.path()).normalize();
            } else if (events.path() != null) {
                throw error("events.path", "only used with events.sink: file");
            }
            int capacity = range("events.capacity", events.capacity(), DEFAULT_SINK_CAPACITY, 1, 10_000_000);
            KafkaSinkSettings kafka = null;
            HttpSinkSettings httpSink = null;
            String commandsTopic = null;
            if (sink == HatchwayConfig.Sink.KAFKA) {
                kafka = kafka(events.kafka());
                commandsTopic = raw.commands() == null || raw.commands().kafka() == null
                        || raw.commands().kafka().topic() == null ? "iot-commands" : raw.commands().kafka().topic();
                if (commandsTopic.isBlank() || !commandsTopic.matches("[a-zA-Z0-9._-]{1,249}")) {
                    throw error("commands.kafka.topic", "'" + commandsTopic + "' is not a Kafka topic name");
                }
            } else if (events.kafka() != null) {
                throw error("events.kafka", "only used with events.sink: kafka");
            } else if (raw.commands() != null) {
                throw error("commands", "commands go through Kafka only with events.sink: kafka");
            }
            if (sink == HatchwayConfig.Sink.HTTP) {
                httpSink = httpSink(events.http(), capacity);
            } else if (events.http() != null) {
                throw error("events.http", "only used with events.sink: http");
            }

            String instance = raw.instance() == null ? "hatchway-1" : raw.instance();
            if (instance.isBlank()) {
                throw error("instance", "must not be empty");
            }
            Optional<HatchwayConfig.Tls> mqtts = raw.mqtts() == null ? Optional.empty() : Optional.of(tls(raw.mqtts()));
            Optional<HatchwayConfig.Psk> psk = raw.mqttsPsk() == null ? Optional.empty()
                    : Optional.of(new HatchwayConfig.Psk(parse("mqttsPsk.bind", raw.mqttsPsk().bind(),
                    "127.0.0.1:8884", BindAddress::parse)));
            Optional<HatchwayConfig.WebSocket> ws = webSocket("ws", raw.ws(), "127.0.0.1:8083");
            Optional<HatchwayConfig.WebSocket> wss = webSocket("wss", raw.wss(), "127.0.0.1:8084");
            if (wss.isPresent() && mqtts.isEmpty()) {
                throw error("wss", "uses the server certificate of mqtts: configure mqtts.cert and mqtts.key");
            }
            HatchwayConfig.Integration integration = HatchwayConfig.Integration.DEFAULTS;
            if (raw.integration() != null) {
                Optional<BindAddress> integrationBind = raw.integration().mqtt() == null ? Optional.empty()
                        : Optional.of(parse("integration.mqtt.bind", raw.integration().mqtt().bind(),
                        "127.0.0.1:1884", BindAddress::parse));
                long maxQueuedBytes = raw.integration().maxQueuedBytes() == null
                        ? HatchwayConfig.Integration.DEFAULT_MAX_QUEUED_BYTES : raw.integration().maxQueuedBytes();
                if (maxQueuedBytes < 1) {
                    throw error("integration.maxQueuedBytes", maxQueuedBytes + " must be at least 1");
                }
                Optional<BindAddress> integrationTls = raw.integration().mqtts() == null ? Optional.empty()
                        : Optional.of(parse("integration.mqtts.bind", raw.integration().mqtts().bind(),
                        "127.0.0.1:8885", BindAddress::parse));
                if (integrationTls.isPresent() && raw.mqtts() == null) {
                    throw error("integration.mqtts", "uses the server certificate of mqtts: configure mqtts.cert and"
                            + " mqtts.key");
                }
                integration = new HatchwayConfig.Integration(integrationBind, range("integration.maxQueued",
                        raw.integration().maxQueued(), HatchwayConfig.Integration.DEFAULTS.maxQueued(), 1, 65_535),
                        maxQueuedBytes, integrationTls,
                        webSocket("integration.ws", raw.integration().ws(), "127.0.0.1:8085"));
            }
            return new HatchwayConfig(
                    new HatchwayConfig.Mqtt(mqttBind, maxPacketSize, connectTimeout, receiveMaximum,
                            defaultApplication, blockedTimeout, limits),
                    new HatchwayConfig.Http(httpBind, token),
                    baseDir.resolve(raw.registry().file()).normalize(),
                    new HatchwayConfig.Events(sink, path, capacity, kafka, httpSink, commandsTopic),
                    instance, mqtts, psk, ws, wss, integration);
        }

        private MqttLimits limits(RawMqtt mqtt) throws ConfigException {
            MqttLimits defaults = MqttLimits.DEFAULTS;
            Duration maxKeepAlive = parse("mqtt.maxKeepAlive", mqtt.maxKeepAlive(),
                    defaults.maxKeepAlive().toSeconds() + "s", Durations::parse);
            if (maxKeepAlive.toSeconds() < 1 || maxKeepAlive.toSeconds() > MqttLimits.KEEP_ALIVE_LIMIT_SECONDS) {
                throw error("mqtt.maxKeepAlive", mqtt.maxKeepAlive() + " is out of range 1s..65535s"
                        + " (MQTT's keep-alive is at most 65535 seconds)");
            }
            Duration failureDelay = parse("mqtt.authFailureDelay", mqtt.authFailureDelay(),
                    defaults.authFailureDelay().toMillis() + "ms", Durations::parse);
            Duration failureWindow = parse("mqtt.authFailureWindow", mqtt.authFailureWindow(),
                    defaults.authFailureWindow().toSeconds() + "s", Durations::parse);
            if (failureWindow.isZero()) {
                throw error("mqtt.authFailureWindow", "must be greater than 0");
            }
            return new MqttLimits(maxKeepAlive,
                    range("mqtt.maxConnections", mqtt.maxConnections(), defaults.maxConnections(), 1,
                            Integer.MAX_VALUE),
                    range("mqtt.maxTopicLength", mqtt.maxTopicLength(), defaults.maxTopicLength(), 1, 65_535),
                    range("mqtt.maxTopicLevels", mqtt.maxTopicLevels(), defaults.maxTopicLevels(), 1, 65_535),
                    failureDelay,
                    range("mqtt.maxAuthFailuresPerAddress", mqtt.maxAuthFailuresPerAddress(),
                            defaults.maxAuthFailuresPerAddress(), 1, Integer.MAX_VALUE),
                    range("mqtt.maxAuthFailuresPerIdentity", mqtt.maxAuthFailuresPerIdentity(),
                            defaults.maxAuthFailuresPerIdentity(), 1, Integer.MAX_VALUE),
                    failureWindow);
        }

        private HatchwayConfig.Tls tls(RawTls raw) throws ConfigException {
            BindAddress bind = parse("mqtts.bind", raw.bind(), "127.0.0.1:8883", BindAddress::parse);
            Path cert = existingFile("mqtts.cert", raw.cert());
            Path key = existingFile("mqtts.key", raw.key());
            HatchwayConfig.ClientAuth clientAuth = parse("mqtts.clientAuth", raw.clientAuth(), "optional",
                    ConfigLoader::clientAuth);
            return new HatchwayConfig.Tls(bind, cert, key, clientAuth);
        }

        private Path existingFile(String key, String value) throws ConfigException {
            if (value == null || value.isBlank()) {
                throw error(key, "missing, expected the path of a PEM file");
            }
            Path path = baseDir.resolve(value).normalize();
            if (!Files.isReadable(path)) {
                throw error(key, "cannot read '" + path + "'");
            }
            return path;
        }

        private KafkaSinkSettings kafka(RawKafka raw) throws ConfigException {
            if (raw == null || raw.bootstrapServers() == null || raw.bootstrapServers().isBlank()) {
                throw error("events.kafka.bootstrapServers", "missing, required for events.sink: kafka");
            }
            String topic = raw.topic() == null ? KafkaSinkSettings.DEFAULT_TOPIC : raw.topic();
            KafkaSinkSettings.Mode mode = parse("events.kafka.mode", raw.mode(), "binary", ConfigLoader::kafkaMode);
            Map<String, String> properties = raw.properties() == null ? Map.of() : raw.properties();
            for (String key : properties.keySet()) {
                if (KafkaSink.RESERVED_PROPERTIES.contains(key)) {
                    throw error("events.kafka.properties." + key, "is set by Hatchway (no acknowledged event may"
                            + " be lost) and cannot be overridden");
                }
            }
            long buffer = raw.bufferBytes() == null ? KafkaSinkSettings.DEFAULT_BUFFER_BYTES : raw.bufferBytes();
            try {
                return new KafkaSinkSettings(raw.bootstrapServers(), topic, mode, properties, buffer);
            } catch (IllegalArgumentException e) {
                throw error("events.kafka", e.getMessage());
            }
        }

        private HttpSinkSettings httpSink(RawHttpSink raw, int capacity) throws ConfigException {
            if (raw == null || raw.url() == null || raw.url().isBlank()) {
                throw error("events.http.url", "missing, required for events.sink: http");
            }
            URI url;
            try {
                url = new URI(raw.url());
            } catch (URISyntaxException e) {
                throw error("events.http.url", "'" + raw.url() + "' is not a URL: " + e.getMessage());
            }
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw error("events.http.url", "'" + raw.url() + "' must be an http or https URL");
            }
            Duration timeout = parse("events.http.timeout", raw.timeout(), "5s", Durations::parse);
            Duration retryFor = parse("events.http.retryFor", raw.retryFor(), "30s", Durations::parse);
            int concurrency = range("events.http.maxConcurrency", raw.maxConcurrency(),
                    HttpSinkSettings.DEFAULT_MAX_CONCURRENCY, 1, 1024);
            try {
                return new HttpSinkSettings(url, raw.headers() == null ? Map.of() : raw.headers(), timeout, retryFor,
                        concurrency, capacity);
            } catch (IllegalArgumentException e) {
                throw error("events.http", e.getMessage());
            }
        }

        private Optional<HatchwayConfig.WebSocket> webSocket(String key, RawWebSocket raw, String defaultBind)
                throws ConfigException {
            if (raw == null) {
                return Optional.empty();
            }
            BindAddress bind = parse(key + ".bind", raw.bind(), defaultBind, BindAddress::parse);
            String path = raw.path() == null ? "/mqtt" : raw.path();
            if (!path.startsWith("/")) {
                throw error(key + ".path", "'" + path + "' must start with '/'");
            }
            List<String> origins = raw.allowedOrigins() == null ? List.of() : raw.allowedOrigins();
            for (int i = 0; i < origins.size(); i++) {
                if (origins.get(i) == null || origins.get(i).isBlank()) {
                    throw error(key + ".allowedOrigins[" + i + "]", "must be an origin such as https://app.example");
                }
            }
            return Optional.of(new HatchwayConfig.WebSocket(bind, path, origins));
        }

        private <T> T parse(String key, String value, String fallback, Function<String, T> parser)
                throws ConfigException {
            try {
                return parser.apply(value == null ? fallback : value);
            } catch (IllegalArgumentException e) {
                throw error(key, e.getMessage());
            }
        }

        private int range(String key, Integer value, int fallback, int min, int max) throws ConfigException {
            int v = value == null ? fallback : value;
            if (v < min || v > max) {
                throw error(key, v + " is out of range " + min + ".." + max);
            }
            return v;
        }

        private ConfigException error(String key, String message) {
            return new ConfigException(file + ": " + key + ": " + message);
        }
    }

    private static HatchwayConfig.ClientAuth clientAuth(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "none" -> HatchwayConfig.ClientAuth.NONE;
            case "optional" -> HatchwayConfig.ClientAuth.OPTIONAL;
            case "require" -> HatchwayConfig.ClientAuth.REQUIRE;
            default -> throw new IllegalArgumentException("'" + value
                    + "' is not a client authentication mode, expected none, optional or require");
        };
    }

    private static HatchwayConfig.Sink sink(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "file" -> HatchwayConfig.Sink.FILE;
            case "stdout" -> HatchwayConfig.Sink.STDOUT;
            case "kafka" -> HatchwayConfig.Sink.KAFKA;
            case "http" -> HatchwayConfig.Sink.HTTP;
            default -> throw new IllegalArgumentException("'" + value
                    + "' is not a sink, expected file, stdout, kafka or http");
        };
    }

    private static KafkaSinkSettings.Mode kafkaMode(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "binary" -> KafkaSinkSettings.Mode.BINARY;
            case "structured" -> KafkaSinkSettings.Mode.STRUCTURED;
            default -> throw new IllegalArgumentException("'" + value + "' is not a mode, expected binary or structured");
        };
    }
}
