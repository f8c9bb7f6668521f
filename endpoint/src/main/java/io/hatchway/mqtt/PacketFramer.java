package io.hatchway.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

import java.util.List;

/**
 * Hands Netty's MQTT decoder one whole packet at a time, after checking what it does not in an MQTT 5 PUBLISH:
 * that every property lies within the property section its length declares, and that none but User Property is
 * given twice. Netty reads a property that overruns its section from the payload, or, past the packet's end, from
 * the next packet, and keeps one value of a repeated property; here such a packet is malformed (DISCONNECT 0x81),
 * or a protocol error (0x82), before anything is decoded. A packet declaring more than the maximum packet size, or a broken
 * remaining length, is passed on as it comes, so that the decoder refuses it at once without anything being
 * buffered (the connection then ends). Packets are framed one per call, so a CONNECT has set the session's version
 * before the packets after it are checked. Once an MQTT 3.1.1 connection is established the framer removes itself.
 */
public final class PacketFramer extends ByteToMessageDecoder {

    private static final int PUBLISH = 3;
    private static final int USER_PROPERTY = 0x26;

    private final int maxPacketSize;
    /** After a packet the decoder must refuse: everything goes to it unframed. */
    private boolean passThrough;

    public PacketFramer(int maxPacketSize) {
        this.maxPacketSize = maxPacketSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (passThrough) {
            out.add(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        Session session = Session.of(ctx.channel());
        if (session.state() == SessionState.CONNECTED && !session.isV5()) {
            // Before MQTT 5 there are no properties to check: the decoder reads the bytes as they come.
            ctx.pipeline().remove(this);
            return;
        }
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (end - start < 2) {
            return;
        }
        int remaining = 0;
        int i = start + 1;
        for (int shift = 0; ; shift += 7, i++) {
            if (i >= end) {
                return;
            }
            int digit = in.getUnsignedByte(i);
            remaining |= (digit & 0x7F) << shift;
            if ((digit & 0x80) == 0) {
                break;
            }
            if (shift == 21) {
                // A fifth length byte: malformed, the decoder says so.
                passThrough = true;
                out.add(in.readRetainedSlice(in.readableBytes()));
                return;
            }
        }
        int headerLength = i + 1 - start;
        if ((long) remaining + headerLength > maxPacketSize) {
            passThrough = true;
            out.add(in.readRetainedSlice(in.readableBytes()));
            return;
        }
        if (end - start < headerLength + remaining) {
            return;
        }
        int type = in.getUnsignedByte(start) >> 4;
        if (type == PUBLISH && session.isV5()) {
            Refusal refusal = publishPropertiesProblem(in, start + headerLength, start + headerLength + remaining,
                    (in.getUnsignedByte(start) >> 1) & 0x03);
            if (refusal != null) {
                in.skipBytes(in.readableBytes());
                passThrough = true;
                if (session.state() == SessionState.CONNECTED) {
                    Disconnector.disconnect(session, refusal.code(), refusal.reason());
                } else {
                    Disconnector.close(session, refusal.reason());
                }
                return;
            }
        }
        out.add(in.readRetainedSlice(headerLength + remaining));
    }

    /** Why a packet is refused: the DISCONNECT reason code and reason string. */
    record Refusal(MqttReasonCodes.Disconnect code, String reason) {
    }

    /**
     * Why the properties of the PUBLISH in {@code [from, to)} break the protocol: one that overruns its section is
     * malformed (0x81); one other than User Property given twice is a protocol error (0x82, MQTT 5 section 3.3.2.3).
     * Null if neither (or the packet is malformed in a way the decoder reports itself).
     */
    static Refusal publishPropertiesProblem(ByteBuf packet, int from, int to, int qos) {
        int i = from;
        if (i + 2 > to) {
            return null;
        }
        i += 2 + packet.getUnsignedShort(i);
        if (qos > 0) {
            i += 2;
        }
        if (i >= to) {
            return null;
        }
        int length = 0;
        for (int shift = 0; ; shift += 7, i++) {
            if (i >= to || shift > 21) {
                return null;
            }
            int digit = packet.getUnsignedByte(i);
            length |= (digit & 0x7F) << shift;
            if ((digit & 0x80) == 0) {
                i++;
                break;
            }
        }
        int sectionEnd = i + length;
        if (sectionEnd > to) {
            return new Refusal(MqttReasonCodes.Disconnect.MALFORMED_PACKET,
                    "the property section declares " + length + " bytes, more than the packet holds");
        }
        long seen = 0;
        while (i < sectionEnd) {
            int id = packet.getUnsignedByte(i++);
            int size = valueSize(packet, id, i, sectionEnd);
            if (size < 0) {
                return null; // an unknown identifier: the decoder refuses it
            }
            if (i + size > sectionEnd) {
                return new Refusal(MqttReasonCodes.Disconnect.MALFORMED_PACKET,
                        "property 0x" + Integer.toHexString(id) + " runs past the end of the property section");
            }
            // Every known identifier is below 64.
            if (id != USER_PROPERTY && (seen & 1L << id) != 0) {
                return new Refusal(MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                        "property 0x" + Integer.toHexString(id) + " given more than once");
            }
            seen |= 1L << id;
            i += size;
        }
        return null;
    }

    /**
     * The size of the value of property {@code id} starting at {@code at}, as far as it can be read before
     * {@code end} (a length prefix that does not fit reads as running past it); -1 for an unknown identifier.
     */
    private static int valueSize(ByteBuf packet, int id, int at, int end) {
        return switch (id) {
            case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> 1;
            case 0x13, 0x21, 0x22, 0x23 -> 2;
            case 0x02, 0x11, 0x18, 0x27 -> 4;
            case 0x0B -> variableByteIntegerSize(packet, at, end);
            case 0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F -> prefixed(packet, at, end);
            case 0x26 -> {
                int key = prefixed(packet, at, end);
                yield at + key > end ? key : key + prefixed(packet, at + key, end);
            }
            default -> -1;
        };
    }

    private static int prefixed(ByteBuf packet, int at, int end) {
        return at + 2 > end ? end - at + 1 : 2 + packet.getUnsignedShort(at);
    }

    private static int variableByteIntegerSize(ByteBuf packet, int at, int end) {
        for (int n = 1; n <= 4; n++) {
            if (at + n > end) {
                return n;
            }
            if ((packet.getUnsignedByte(at + n - 1) & 0x80) == 0) {
                return n;
            }
        }
        return 4;
    }
}
