package io.hatchway.mqtt;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a client makes of the bytes a server wrote: split into packets by their fixed headers, each decoded by Netty's
 * decoder in the version the client asked for, checked against the order MQTT allows a server. Used by
 * {@link InboundPathFuzzTest}.
 */
final class ServerPackets {

    private static final Set<MqttMessageType> FROM_SERVER = EnumSet.of(MqttMessageType.CONNACK,
            MqttMessageType.PUBLISH, MqttMessageType.PUBACK, MqttMessageType.PUBREC, MqttMessageType.PUBCOMP,
            MqttMessageType.SUBACK, MqttMessageType.UNSUBACK, MqttMessageType.PINGRESP, MqttMessageType.DISCONNECT);

    private ServerPackets() {
    }

    /**
     * The version a client expects answers in, from the protocol name and level of its CONNECT (the client's first
     * bytes): MQTT 5 for "MQTT" level 5 and for any level above 5 (refused in MQTT 5 form, see the README's refusal
     * codes), else 3.1.1 (3.1 is encoded alike).
     */
    static MqttVersion versionOf(byte[] client) {
        if (client.length < 2 || (client[0] & 0xF0) != 0x10) {
            return MqttVersion.MQTT_3_1_1;
        }
        int i = 1;
        while (i < client.length && i < 5 && (client[i] & 0x80) != 0) {
            i++;
        }
        i++;
        if (i + 2 > client.length) {
            return MqttVersion.MQTT_3_1_1;
        }
        int nameLength = ((client[i] & 0xFF) << 8) | (client[i + 1] & 0xFF);
        int levelAt = i + 2 + nameLength;
        if (levelAt >= client.length) {
            return MqttVersion.MQTT_3_1_1;
        }
        int level = client[levelAt] & 0xFF;
        boolean mqtt = new String(client, i + 2, nameLength, StandardCharsets.UTF_8).equals("MQTT");
        return level > 5 || level == 5 && mqtt ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1;
    }

    /** Splits {@code bytes} into packets and decodes each; fails unless every packet is whole and valid. */
    static List<MqttMessage> decode(byte[] bytes, MqttVersion version) {
        EmbeddedChannel client = new EmbeddedChannel(new MqttDecoder(Integer.MAX_VALUE), MqttEncoder.INSTANCE);
        List<MqttMessage> packets = new ArrayList<>();
        try {
            // Netty's codec learns the version of a connection from the CONNECT it encodes.
            client.writeOutbound(MqttMessageBuilders.connect().protocolVersion(version).clientId("client").build());
            for (Object sent = client.readOutbound(); sent != null; sent = client.readOutbound()) {
                ReferenceCountUtil.release(sent);
            }
            for (byte[] frame : frames(bytes)) {
                client.writeInbound(Unpooled.wrappedBuffer(frame));
                Object decoded = client.readInbound();
                if (!(decoded instanceof MqttMessage message)) {
                    ReferenceCountUtil.release(decoded);
                    fail("the server wrote " + HexFormat.of().formatHex(frame) + ", not an MQTT " + version
                            + " packet (the version the client's CONNECT asked for)");
                    return packets;
                }
                packets.add(message);
                assertTrue(message.decoderResult().isSuccess(), () -> "invalid MQTT " + version + " packet "
                        + HexFormat.of().formatHex(frame) + ": " + message.decoderResult().cause());
                assertNull(client.readInbound(), "one frame, one packet");
            }
            return packets;
        } catch (RuntimeException | AssertionError e) {
            packets.forEach(ReferenceCountUtil::release);
            throw e;
        } finally {
            client.finishAndReleaseAll();
        }
    }

    /** The packets in {@code bytes}, by their fixed header's remaining length (at most four bytes). */
    private static List<byte[]> frames(byte[] bytes) {
        List<byte[]> frames = new ArrayList<>();
        int i = 0;
        while (i < bytes.length) {
            int start = i++;
            int length = 0;
            int digits = 0;
            int digit;
            do {
                if (i >= bytes.length) {
                    fail("truncated fixed header at byte " + start + " of " + HexFormat.of().formatHex(bytes));
                }
                digit = bytes[i++] & 0xFF;
                length |= (digit & 0x7F) << (7 * digits++);
            } while ((digit & 0x80) != 0 && digits < 4);
            assertTrue((digit & 0x80) == 0, "remaining length longer than four bytes");
            assertTrue(i + length <= bytes.length, () -> "truncated packet at byte " + start + " of "
                    + HexFormat.of().formatHex(bytes));
            frames.add(Arrays.copyOfRange(bytes, start, i + length));
            i += length;
        }
        return frames;
    }

    /**
     * A server's packets in an order MQTT allows: CONNACK first and once, nothing after a refusing CONNACK, a
     * DISCONNECT only in MQTT 5 and last, no packet type only clients send.
     */
    static void checkOrder(List<MqttMessage> packets, MqttVersion version) {
        for (int i = 0; i < packets.size(); i++) {
            MqttMessage packet = packets.get(i);
            MqttMessageType type = packet.fixedHeader().messageType();
            boolean last = i == packets.size() - 1;
            assertTrue(FROM_SERVER.contains(type), () -> "a server may not send " + type);
            assertEquals(i == 0, type == MqttMessageType.CONNACK, () -> "CONNACK must be first and once: " + packets);
            if (type == MqttMessageType.CONNACK) {
                MqttConnectReturnCode code = ((MqttConnAckMessage) packet).variableHeader().connectReturnCode();
                assertTrue(code == MqttConnectReturnCode.CONNECTION_ACCEPTED || last,
                        () -> "packets after a refusing CONNACK: " + packets);
            }
            if (type == MqttMessageType.DISCONNECT) {
                assertEquals(MqttVersion.MQTT_5, version, "a server sends DISCONNECT only in MQTT 5");
                assertTrue(last, () -> "packets after DISCONNECT: " + packets);
            }
        }
    }

    /** PUBACKs that acknowledge a publish as accepted. */
    static int successfulPubAcks(List<MqttMessage> packets) {
        return (int) packets.stream().filter(p -> p.fixedHeader().messageType() == MqttMessageType.PUBACK)
                .filter(p -> !(p.variableHeader() instanceof MqttPubReplyMessageVariableHeader reply)
                        || reply.reasonCode() == 0)
                .count();
    }
}
