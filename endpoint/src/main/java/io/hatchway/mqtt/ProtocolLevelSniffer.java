package io.hatchway.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Notes the protocol level of the CONNECT in the connection's first bytes, without consuming them, then removes
 * itself. Netty's decoder rejects an unknown level without saying which one; the level decides in which form the
 * refusal must be written (see {@link ProtocolGuard}).
 */
public final class ProtocolLevelSniffer extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            Session.of(ctx.channel()).requestedLevel(levelOf(buf));
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    /** The level byte of a CONNECT starting at the reader index, or -1 if the bytes do not show one. */
    static int levelOf(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        if (i >= end || (buf.getUnsignedByte(i) & 0xF0) != 0x10) {
            return -1;
        }
        i++;
        for (int n = 0; n < 4; n++, i++) {
            if (i >= end) {
                return -1;
            }
            if ((buf.getUnsignedByte(i) & 0x80) == 0) {
                break;
            }
        }
        i++;
        if (i + 2 > end) {
            return -1;
        }
        int nameLength = buf.getUnsignedShort(i);
        i += 2 + nameLength;
        return i < end ? buf.getUnsignedByte(i) : -1;
    }
}
