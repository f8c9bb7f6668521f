package io.hatchway.mqtt;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Notes the protocol level of the CONNECT in the connection's first bytes, without consuming them, then removes
 * itself. Netty's decoder rejects an unknown level without saying which one; the level decides in which form the
 * refusal must be written (see {@link ProtocolGuard}). A read may end before the level: the first bytes are then
 * kept (at most {@link #ENOUGH}) until a later read shows it.
 */
public final class ProtocolLevelSniffer extends ChannelInboundHandlerAdapter {

    /** The bytes up to the level of a CONNECT named MQTT or MQIsdp: fixed header (at most 5), name length, name. */
    private static final int ENOUGH = 5 + 2 + 6 + 1;

    /** Returned by {@link #levelOf} when the bytes end before the level. */
    static final int NOT_YET = -2;

    /** The first bytes, once a read ended before the level; released when the handler goes. */
    private ByteBuf head;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            if (head == null && levelOf(buf) == NOT_YET && buf.readableBytes() < ENOUGH) {
                head = ctx.alloc().buffer(ENOUGH, ENOUGH);
            }
            if (head != null) {
                head.writeBytes(buf, buf.readerIndex(), Math.min(buf.readableBytes(), head.writableBytes()));
                if (levelOf(head) == NOT_YET && head.isWritable()) {
                    ctx.fireChannelRead(msg);
                    return;
                }
            }
            int level = levelOf(head != null ? head : buf);
            Session.of(ctx.channel()).requestedLevel(level == NOT_YET ? -1 : level);
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (head != null) {
            head.release();
            head = null;
        }
    }

    /**
     * The level byte of a CONNECT starting at the reader index; -1 if the bytes are not a CONNECT, {@link #NOT_YET}
     * if they end before the level.
     */
    static int levelOf(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        if (i >= end) {
            return NOT_YET;
        }
        if ((buf.getUnsignedByte(i) & 0xF0) != 0x10) {
            return -1;
        }
        i++;
        for (int n = 0; n < 4; n++, i++) {
            if (i >= end) {
                return NOT_YET;
            }
            if ((buf.getUnsignedByte(i) & 0x80) == 0) {
                break;
            }
        }
        i++;
        if (i + 2 > end) {
            return NOT_YET;
        }
        int nameLength = buf.getUnsignedShort(i);
        i += 2 + nameLength;
        return i < end ? buf.getUnsignedByte(i) : NOT_YET;
    }
}
