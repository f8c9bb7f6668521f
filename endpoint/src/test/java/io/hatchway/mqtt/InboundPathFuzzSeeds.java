package io.hatchway.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.hatchway.mqtt.InboundPathFuzzTest.ACCEPT;
import static io.hatchway.mqtt.InboundPathFuzzTest.ACCEPT_LATER;
import static io.hatchway.mqtt.InboundPathFuzzTest.FAIL;
import static io.hatchway.mqtt.InboundPathFuzzTest.FIXED_CONNECT;
import static io.hatchway.mqtt.InboundPathFuzzTest.FULL;
import static io.hatchway.mqtt.InboundPathFuzzTest.LOGINS;
import static io.hatchway.mqtt.InboundPathFuzzTest.LOGIN_SHIFT;
import static io.hatchway.mqtt.InboundPathFuzzTest.MAX_CHUNK;
import static io.hatchway.mqtt.InboundPathFuzzTest.MQTT_5;
import static io.hatchway.mqtt.InboundPathFuzzTest.REST;
import static io.hatchway.mqtt.InboundPathFuzzTest.TIME_SHIFT;

/**
 * Writes the seed corpus of {@link InboundPathFuzzTest}: valid sessions of the registry's devices in the input
 * layout described there (MQTT 3.1, 3.1.1 and 5 CONNECTs, PUBLISH QoS 0, 1 and 2 with JSON and binary payloads and
 * MQTT 5 properties, wills, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT, whole and in fragments, with sink failures
 * and timeouts). The files are committed; run this again after changing the layout:
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl endpoint exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.hatchway.mqtt.InboundPathFuzzSeeds \
 *     -Dexec.args=endpoint/src/test/resources/io/hatchway/mqtt/InboundPathFuzzTestInputs/inboundPath
 * </pre>
 */
public final class InboundPathFuzzSeeds {

    private static final byte[] JSON = "{\"temp\":21.5,\"unit\":\"C\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BINARY = {0x00, (byte) 0xFF, 0x7F, (byte) 0x80, 0x0A, 0x0D, (byte) 0xC3, 0x28};

    private InboundPathFuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Seed seed : seeds()) {
            Files.write(dir.resolve(seed.name), seed.bytes());
        }
    }

    static List<Seed> seeds() {
        MqttVersion v3 = MqttVersion.MQTT_3_1_1;
        MqttVersion v5 = MqttVersion.MQTT_5;
        List<Seed> seeds = new ArrayList<>();

        // An established connection (header bit 0): the input is what follows the CONNECT.
        seeds.add(new Seed("established-v311-publish-json-qos0-qos1-ping-disconnect", fixed(0, v3), 0)
                .rest(encode(v3, publish("temp", 0, 0, JSON, null), publish("temp", 1, 1, JSON, null), pingReq(),
                        disconnect(v3)), 0));
        seeds.add(new Seed("established-v5-publish-properties-binary-qos2", fixed(0, v5), 0)
                .step(encode(v5, publish("temp", 1, 7, JSON, publishProperties("application/json")),
                        publish("raw", 1, 8, BINARY, publishProperties("application/octet-stream")),
                        publish("raw", 2, 9, BINARY, null)), 0)
                .rest(encode(v5, pubRel(9), disconnect(v5)), 0));
        seeds.add(new Seed("established-v311-subscribe-unsubscribe", fixed(0, v3), 0)
                .rest(encode(v3, subscribe(v3, 3, "command/inbox//#", "command/inbox/device1/#", "other/#"),
                        unsubscribe(4, "command/inbox//#"), pingReq(), disconnect(v3)), 0));
        seeds.add(new Seed("established-v5-subscribe-with-options", fixed(0, v5), 0)
                .rest(encode(v5, subscribe(v5, 5, "command/inbox/#", "command/inbox/serial-1234/#"),
                        unsubscribe(6, "command/inbox/#"), disconnect(v5)), 0));
        seeds.add(new Seed("established-v5-gateway-publishes-for-its-device", fixed(1, v5), 0)
                .rest(encode(v5, publish("temp/sensor01", 1, 1, JSON, null), publish("temp/sensor-alias", 0, 0,
                        BINARY, null), publish("temp/device1", 1, 2, JSON, null)), 0));
        seeds.add(new Seed("established-v311-template-dialect", fixed(2, v3), 0)
                .rest(encode(v3, publish("VSRE/truck1/engine/temp", 1, 1, JSON, null),
                        publish("octopus/x/trailer1", 0, 0, JSON, null), subscribe(v3, 2, "VSR/truck1/+"),
                        disconnect(v3)), 0));
        seeds.add(new Seed("established-v5-plain-topic-with-device-prefix", fixed(3, v5), 0)
                .rest(encode(v5, publish("plain1/a/b", 1, 1, JSON, publishProperties("text/plain")),
                        publish("/status", 0, 0, BINARY, null), disconnect(v5)), 0));
        seeds.add(new Seed("established-v311-publish-in-fragments", fixed(0, v3), 0)
                .steps(encode(v3, publish("temp", 1, 1, JSON, null), publish("temp", 1, 2, JSON, null)), 3)
                .rest(encode(v3, disconnect(v3)), 0));
        seeds.add(new Seed("established-v5-sink-later-full-failed", fixed(0, v5),
                script(ACCEPT, ACCEPT_LATER, FULL, FAIL))
                .step(encode(v5, publish("temp", 1, 1, JSON, null), publish("temp", 1, 2, JSON, null),
                        publish("temp", 1, 3, JSON, null)), 1)
                .step(encode(v5, publish("temp", 2, 4, JSON, null)), 3)
                .rest(encode(v5, pubRel(4)), 0));
        seeds.add(new Seed("established-v311-sink-failure-closes", fixed(0, v3), script(ACCEPT, FAIL, ACCEPT, ACCEPT))
                .rest(encode(v3, publish("temp", 1, 1, JSON, null), publish("temp", 1, 2, JSON, null)), 0));

        // The input's own CONNECT (header bit 0 clear).
        seeds.add(new Seed("connect-v311-publish-disconnect", 0, 0)
                .rest(encode(v3, connect(v3, "device1@my-app", "hey-rodney", false),
                        publish("temp", 1, 1, JSON, null), disconnect(v3)), 0));
        seeds.add(new Seed("connect-v5-will-publish-no-disconnect", 0, 0)
                .rest(encode(v5, connect(v5, "device1@my-app", "hey-rodney", true),
                        publish("temp", 1, 1, JSON, publishProperties("application/json"))), 0));
        seeds.add(new Seed("connect-v31-mqisdp-will-publish", 0, 0)
                .rest(encode(MqttVersion.MQTT_3_1, connect(MqttVersion.MQTT_3_1, "gateway01@my-app", "gw-pass", true),
                        publish("temp/sensor01", 0, 0, BINARY, null), disconnect(MqttVersion.MQTT_3_1)), 0));
        seeds.add(new Seed("connect-v5-in-fragments-subscribe-ping", 0, 0)
                .steps(encode(v5, connect(v5, "truck1@fleet", "truck-pass", false), subscribe(v5, 1, "VSR/truck1/#"),
                        pingReq()), 5)
                .rest(encode(v5, disconnect(v5)), 0));
        seeds.add(new Seed("connect-v311-wrong-password", 0, 0)
                .rest(encode(v3, connect(v3, "device1@my-app", "wrong", false)), 0));
        seeds.add(new Seed("connect-v5-publish-before-connack", 0, 0)
                .rest(encode(v5, connect(v5, "plain1@plain-app", "plain-pass", false),
                        publish("plain1/x", 1, 1, JSON, null), publish("plain1/y", 1, 2, BINARY, null)), 0));
        seeds.add(new Seed("connect-partial-then-connect-timeout", 0, 0)
                .step(Arrays.copyOf(encode(v3, connect(v3, "device1@my-app", "hey-rodney", false)), 10), 3));
        seeds.addAll(regressions());
        return seeds;
    }

    /** What the fuzzer found, minimised: each fails until its bug is fixed. */
    static List<Seed> regressions() {
        MqttVersion v3 = MqttVersion.MQTT_3_1_1;
        MqttVersion v5 = MqttVersion.MQTT_5;
        List<Seed> seeds = new ArrayList<>();
        // ProtocolLevelSniffer looks at the first read only: a level 6 CONNECT whose first read ends before the level
        // is refused in MQTT 3.1.1 form (20 02 00 01) instead of MQTT 5 form (20 03 00 84 00).
        byte[] level6 = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x06, 0x02, 0x00, 0x1E, 0x00, 0x00};
        seeds.add(new Seed("regression-level-6-connect-read-in-two-parts", 0, 0)
                .step(Arrays.copyOf(level6, 1), 0)
                .rest(Arrays.copyOfRange(level6, 1, level6.length), 0));
        // Netty's decoder sets the channel's MQTT version, which its encoder writes in, as soon as it has read the
        // protocol level of any CONNECT, a second one too, complete or not: the CONNACK of a 3.1.1 client is then
        // written in MQTT 5 form (20 03 00 00 00).
        seeds.add(new Seed("regression-second-connect-header-switches-connack-to-mqtt5", 0, 0)
                .rest(concat(encode(v3, connect(v3, "device1@my-app", "hey-rodney", false)),
                        Arrays.copyOf(encode(v5, connect(v5, "device1@my-app", "hey-rodney", false)), 12)), 0));
        // The same on an MQTT 5 connection, with a 3.1.1 CONNECT header: the PUBACK 0x80 of a publish the sink
        // refused is written in 3.1.1 form, without the reason code: to the client, a success (40 02 00 01).
        seeds.add(new Seed("regression-second-connect-header-turns-failed-puback-into-success", fixed(0, v5),
                script(ACCEPT, FAIL, ACCEPT, ACCEPT))
                .rest(concat(encode(v5, publish("temp", 1, 1, JSON, null)),
                        Arrays.copyOf(encode(v3, connect(v3, "device1@my-app", "hey-rodney", false)), 12)), 0));
        // PublishHandler.watchBlocked re-arms itself with no delay, forever, while a 3.1.1 connection drains (a
        // publish was refused) behind a publish the sink has held longer than the blocked timeout: the event loop
        // spins (here, with its clock frozen, it never returns: the test times out).
        seeds.add(new Seed("regression-blocked-timeout-while-draining-spins", fixed(0, v3),
                script(ACCEPT, FULL, ACCEPT, ACCEPT))
                .rest(encode(v3, publish("temp", 1, 1, JSON, null), publish("temp/sensor01", 1, 2, JSON, null)), 3));
        return seeds;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    /** A fuzz input: header, sink script and steps, laid out as {@link InboundPathFuzzTest} reads them. */
    static final class Seed {
        final String name;
        private final int header;
        private final int sinkScript;
        private final ByteArrayOutputStream front = new ByteArrayOutputStream();
        private final List<Integer> controls = new ArrayList<>();
        private boolean ended;

        Seed(String name, int header, int sinkScript) {
            this.name = name;
            this.header = header;
            this.sinkScript = sinkScript;
        }

        /**
         * The client sends {@code bytes} in reads of at most 63 bytes; after the last the clock moves by
         * {@code time}.
         */
        Seed step(byte[] bytes, int time) {
            if (ended || bytes.length == 0) {
                throw new IllegalArgumentException("a step sends at least one byte, before the rest");
            }
            for (int at = 0; at < bytes.length; at += MAX_CHUNK) {
                int length = Math.min(MAX_CHUNK, bytes.length - at);
                front.write(bytes, at, length);
                controls.add((at + length == bytes.length ? time : 0) << TIME_SHIFT | length);
            }
            return this;
        }

        /** The client sends {@code bytes} in reads of 1, 2, 3... bytes; the clock moves by {@code time} after each. */
        Seed steps(byte[] bytes, int time) {
            for (int at = 0, size = 1; at < bytes.length; at += size, size = size % MAX_CHUNK + 1) {
                step(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + size)), time);
            }
            return this;
        }

        /** The client sends all of {@code bytes} in the last step. */
        Seed rest(byte[] bytes, int time) {
            front.writeBytes(bytes);
            controls.add(time << TIME_SHIFT | REST);
            ended = true;
            return this;
        }

        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(front.toByteArray());
            for (int i = controls.size() - 1; i >= 0; i--) {
                out.write(controls.get(i));
            }
            out.write(sinkScript);
            out.write(header);
            return out.toByteArray();
        }
    }

    private static int fixed(int login, MqttVersion version) {
        if (login >= LOGINS.size()) {
            throw new IllegalArgumentException("login " + login);
        }
        return FIXED_CONNECT | login << LOGIN_SHIFT | (version == MqttVersion.MQTT_5 ? MQTT_5 : 0);
    }

    private static int script(int first, int second, int third, int fourth) {
        return first | second << 2 | third << 4 | fourth << 6;
    }

    /** The fixed CONNECT of {@link InboundPathFuzzTest}: clean session, keep-alive 30 s, no will. */
    static byte[] connect(MqttVersion version, String username, String password) {
        return encode(version, connect(version, username, password, false));
    }

    private static MqttMessage connect(MqttVersion version, String username, String password, boolean will) {
        MqttMessageBuilders.ConnectBuilder connect = MqttMessageBuilders.connect().protocolVersion(version)
                .clientId(InboundPathFuzzTest.CLIENT_ID).cleanSession(true)
                .keepAlive(InboundPathFuzzTest.KEEP_ALIVE_SECONDS).username(username)
                .password(password.getBytes(StandardCharsets.UTF_8));
        if (version == MqttVersion.MQTT_5) {
            MqttProperties properties = new MqttProperties();
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 0));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, 10));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE, 65_536));
            properties.add(new MqttProperties.UserProperty("fleet", "north"));
            connect.properties(properties);
        }
        if (will) {
            connect.willFlag(true).willQoS(MqttQoS.AT_LEAST_ONCE).willTopic("status")
                    .willMessage("{\"online\":false}".getBytes(StandardCharsets.UTF_8)).willRetain(false);
            if (version == MqttVersion.MQTT_5) {
                MqttProperties properties = new MqttProperties();
                properties.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE,
                        "application/json"));
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.WILL_DELAY_INTERVAL, 0));
                connect.willProperties(properties);
            }
        }
        return connect.build();
    }

    private static MqttMessage publish(String topic, int qos, int packetId, byte[] payload,
                                       MqttProperties properties) {
        MqttMessageBuilders.PublishBuilder publish = MqttMessageBuilders.publish().topicName(topic)
                .qos(MqttQoS.valueOf(qos)).messageId(packetId).retained(false)
                .payload(Unpooled.wrappedBuffer(payload));
        if (properties != null) {
            publish.properties(properties);
        }
        return publish.build();
    }

    private static MqttProperties publishProperties(String contentType) {
        MqttProperties properties = new MqttProperties();
        properties.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, contentType));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR,
                contentType.contains("json") ? 1 : 0));
        properties.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, 60));
        properties.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC, "replies"));
        properties.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA, new byte[] {1, 2}));
        properties.add(new MqttProperties.UserProperty("sensor", "a"));
        return properties;
    }

    private static MqttMessage subscribe(MqttVersion version, int packetId, String... filters) {
        MqttMessageBuilders.SubscribeBuilder subscribe = MqttMessageBuilders.subscribe().messageId(packetId);
        for (String filter : filters) {
            if (version == MqttVersion.MQTT_5) {
                subscribe.addSubscription(filter, new MqttSubscriptionOption(MqttQoS.AT_LEAST_ONCE, true, false,
                        MqttSubscriptionOption.RetainedHandlingPolicy.DONT_SEND_AT_SUBSCRIBE));
            } else {
                subscribe.addSubscription(MqttQoS.AT_MOST_ONCE, filter);
            }
        }
        return subscribe.build();
    }

    private static MqttMessage unsubscribe(int packetId, String filter) {
        return MqttMessageBuilders.unsubscribe().messageId(packetId).addTopicFilter(filter).build();
    }

    private static MqttMessage pubRel(int packetId) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(packetId));
    }

    private static MqttMessage pingReq() {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0));
    }

    private static MqttMessage disconnect(MqttVersion version) {
        if (version == MqttVersion.MQTT_5) {
            return MqttMessageBuilders.disconnect().reasonCode((byte) 0).properties(MqttProperties.NO_PROPERTIES)
                    .build();
        }
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0));
    }

    /** Encodes as a client of {@code version} would (Netty's encoder learns the version from a CONNECT). */
    private static byte[] encode(MqttVersion version, MqttMessage... messages) {
        EmbeddedChannel client = new EmbeddedChannel(MqttEncoder.INSTANCE);
        try {
            if (!(messages[0].variableHeader() instanceof MqttConnectVariableHeader)) {
                client.writeOutbound(MqttMessageBuilders.connect().protocolVersion(version).clientId("encoder")
                        .build());
                for (Object msg = client.readOutbound(); msg != null; msg = client.readOutbound()) {
                    ReferenceCountUtil.release(msg);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (MqttMessage message : messages) {
                client.writeOutbound(message);
                for (ByteBuf part = client.readOutbound(); part != null; part = client.readOutbound()) {
                    out.writeBytes(ByteBufUtil.getBytes(part));
                    part.release();
                }
            }
            return out.toByteArray();
        } finally {
            client.finishAndReleaseAll();
        }
    }
}
