package io.hatchway;

import io.hatchway.registry.FileRegistry;
import io.hatchway.registry.RegistryException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** What the benchmarks share: a small registry, device-like JSON payloads and MQTT packets as a client sends them. */
public final class BenchmarkFixtures {

    /** Default of {@code mqtt.maxPacketSize}: large enough for the 16 KiB payloads. */
    public static final int MAX_PACKET_SIZE = 262_144;

    public static final String APPLICATION = "my-app";
    public static final String DEVICE = "device1";
    public static final String PASSWORD = "hey-rodney";
    public static final String GATEWAY = "gateway01";
    public static final String GATEWAY_TARGET = "sensor01";
    public static final String GATEWAY_TARGET_ALIAS = "sensor-alias";
    public static final String TOPIC = "telemetry";

    /** device1 publishes for itself; gateway01 may publish for sensor01, not for device1. */
    public static final String REGISTRY = """
            applications:
              - metadata: { name: my-app }
            devices:
              - metadata: { name: device1, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: hey-rodney
                  alias: [ "serial-1234" ]
              - metadata: { name: gateway01, application: my-app }
                spec:
                  authentication:
                    credentials:
                      - pass: gw-pass
              - metadata: { name: sensor01, application: my-app }
                spec:
                  alias: [ "sensor-alias" ]
                  gatewaySelector: { matchNames: [ gateway01 ] }
            """;

    private BenchmarkFixtures() {
    }

    /** The registry file in a directory of its own, watched as in production; closing deletes it. */
    public static final class RegistryFile implements AutoCloseable {
        private final Path dir;
        private final FileRegistry registry;

        public RegistryFile() throws RegistryException {
            try {
                dir = Files.createTempDirectory("hatchway-bench");
                Path file = dir.resolve("registry.yaml");
                Files.writeString(file, REGISTRY);
                registry = FileRegistry.open(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public FileRegistry registry() {
            return registry;
        }

        @Override
        public void close() {
            registry.close();
            delete(dir);
        }
    }

    /**
     * A JSON object of exactly {@code size} bytes shaped like device telemetry: an array of timestamped readings,
     * padded with a string to the size. At least 48 bytes.
     */
    public static byte[] jsonPayload(int size) {
        String reading = "{\"t\":1700000000,\"v\":21.5}";
        String open = "{\"readings\":[";
        String pad = "],\"pad\":\"";
        String close = "\"}";
        StringBuilder json = new StringBuilder(size).append(open).append(reading);
        while (json.length() + 1 + reading.length() + pad.length() + close.length() <= size) {
            json.append(',').append(reading);
        }
        json.append(pad);
        int fill = size - json.length() - close.length();
        if (fill < 0) {
            throw new IllegalArgumentException("payload size " + size + " is too small");
        }
        json.append("x".repeat(fill)).append(close);
        byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length != size) {
            throw new IllegalStateException("built " + bytes.length + " bytes instead of " + size);
        }
        return bytes;
    }

    /** A client's CONNECT as bytes (keep-alive 60 s, clean session), in a direct buffer of the default allocator. */
    public static ByteBuf connectBytes(MqttVersion version, String username, String password) {
        MqttMessage connect = MqttMessageBuilders.connect().protocolVersion(version).clientId("bench-" + username)
                .cleanSession(true).keepAlive(60).username(username)
                .password(password.getBytes(StandardCharsets.UTF_8)).build();
        return encode(version, connect);
    }

    /**
     * A client's PUBLISH as bytes, in a direct buffer of the default allocator (what a socket read hands the
     * pipeline). MQTT 5 publishes carry no properties.
     */
    public static ByteBuf publishBytes(MqttVersion version, String topic, int qos, int packetId, byte[] payload) {
        MqttMessage publish = MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.valueOf(qos))
                .messageId(packetId).retained(false).payload(Unpooled.wrappedBuffer(payload)).build();
        return encode(version, publish);
    }

    /** Encodes as a client of {@code version} would (Netty's encoder learns the version from a CONNECT first). */
    private static ByteBuf encode(MqttVersion version, MqttMessage message) {
        EmbeddedChannel client = new EmbeddedChannel(MqttEncoder.INSTANCE);
        try {
            if (!(message.variableHeader() instanceof MqttConnectVariableHeader)) {
                client.writeOutbound(MqttMessageBuilders.connect().protocolVersion(version).clientId("encoder")
                        .build());
                releaseAll(client);
            }
            client.writeOutbound(message);
            ByteBuf out = ByteBufAllocator.DEFAULT.directBuffer();
            ByteBuf part;
            while ((part = client.readOutbound()) != null) {
                out.writeBytes(part);
                part.release();
            }
            return out;
        } finally {
            client.finishAndReleaseAll();
        }
    }

    private static void releaseAll(EmbeddedChannel channel) {
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
