package io.hatchway.bench;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;

import java.util.concurrent.CompletableFuture;

/**
 * The MQTT session of one connection of the minimal Netty client, after {@link ConnectSender} sent the CONNECT:
 * CONNACK, PUBLISH at QoS 0 or 1 with the unacknowledged ones in {@link InFlightPublishes}, PUBACK (with MQTT 5
 * reason codes), server DISCONNECT, and our DISCONNECT. State is touched on the channel's event loop
 * only; {@link #publish} may be called from any thread. Writes made while handling a read are flushed once, when the
 * read batch ends.
 */
final class NettyMqttHandler extends ChannelInboundHandlerAdapter {

    private final String topic;
    private final MqttQoS qos;
    private final int window;
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final CompletableFuture<LoadFailure> lost = new CompletableFuture<>();
    private final InFlightPublishes unacknowledged = new InFlightPublishes();
    private volatile ChannelHandlerContext ctx;
    private volatile boolean closing;
    private LoadFailure closeReason;
    private boolean reading;
    private boolean flushPending;

    NettyMqttHandler(String topic, MqttQoS qos, int window) {
        this.topic = topic;
        this.qos = qos;
        this.window = window;
    }

    CompletableFuture<Void> connected() {
        return connected;
    }

    CompletableFuture<LoadFailure> lost() {
        return lost;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reading = true;
        MqttMessage message = (MqttMessage) msg;
        if (message.decoderResult().isFailure()) {
            closeWith(new LoadFailure("malformed", message.decoderResult().cause()));
            return;
        }
        switch (message.fixedHeader().messageType()) {
            case CONNACK -> connAck((MqttConnAckMessage) message);
            case PUBACK -> pubAck(message);
            case DISCONNECT -> serverDisconnect(message);
            default -> {
                // PINGRESP; nothing else is expected without subscriptions
            }
        }
    }

    private void connAck(MqttConnAckMessage ack) {
        MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
        if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            closeWith(LoadFailure.code("connack", MqttReasonNames.connAck(code), code.byteValue() & 0xff));
            return;
        }
        MqttProperties.MqttProperty<?> receiveMaximum = ack.variableHeader().properties()
                .getProperty(MqttProperties.MqttPropertyType.RECEIVE_MAXIMUM.value());
        if (receiveMaximum != null && qos == MqttQoS.AT_LEAST_ONCE && (Integer) receiveMaximum.value() < window) {
            closeWith(new LoadFailure("window-above-receive-maximum:" + receiveMaximum.value()));
            return;
        }
        connected.complete(null);
    }

    private void pubAck(MqttMessage ack) {
        MqttMessageIdVariableHeader header = (MqttMessageIdVariableHeader) ack.variableHeader();
        CompletableFuture<Void> publish = unacknowledged.remove(header.messageId());
        if (publish == null) {
            return;
        }
        // MQTT 3.1.1 PUBACKs, and MQTT 5 ones without a reason code, mean success [MQTT-3.4.2.1]
        if (header instanceof MqttPubReplyMessageVariableHeader reply && (reply.reasonCode() & 0xff) >= 0x80) {
            publish.completeExceptionally(LoadFailure.code("puback", MqttReasonNames.pubAck(reply.reasonCode()),
                    reply.reasonCode() & 0xff));
        } else {
            publish.complete(null);
        }
    }

    private void serverDisconnect(MqttMessage disconnect) {
        byte code = disconnect.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader header
                ? header.reasonCode() : 0;
        closeWith(LoadFailure.code("disconnect", MqttReasonNames.disconnect(code), code & 0xff));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    /** Publishes one message; see {@link LoadConnection#publish}. */
    CompletableFuture<Void> publish(byte[] payload) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ChannelHandlerContext c = ctx;
        if (c == null || !connected.isDone()) {
            done.completeExceptionally(new LoadFailure("not-connected"));
        } else if (c.executor().inEventLoop()) {
            write(payload, done);
        } else {
            c.executor().execute(() -> write(payload, done));
        }
        return done;
    }

    private void write(byte[] payload, CompletableFuture<Void> done) {
        if (!ctx.channel().isActive()) {
            done.completeExceptionally(closeReason != null ? closeReason : LoadFailure.closed());
            return;
        }
        int packetId = qos == MqttQoS.AT_LEAST_ONCE ? unacknowledged.add(done) : 0;
        MqttMessage publish = MqttMessageBuilders.publish().topicName(topic).qos(qos).retained(false)
                .messageId(packetId).payload(Unpooled.wrappedBuffer(payload)).build();
        if (qos == MqttQoS.AT_LEAST_ONCE) {
            if (reading) {
                ctx.write(publish, ctx.voidPromise());
                flushPending = true;
            } else {
                ctx.writeAndFlush(publish, ctx.voidPromise());
            }
        } else {
            ChannelFutureListener written = f -> {
                if (f.isSuccess()) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(closeReason != null ? closeReason : LoadFailure.closed());
                }
            };
            if (reading) {
                ctx.write(publish).addListener(written);
                flushPending = true;
            } else {
                ctx.writeAndFlush(publish).addListener(written);
            }
        }
    }

    /** Sends DISCONNECT and closes; harmless if closed already. */
    void disconnect() {
        closing = true;
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        c.executor().execute(() -> {
            if (c.channel().isActive() && connected.isDone() && !connected.isCompletedExceptionally()) {
                c.writeAndFlush(MqttMessage.DISCONNECT).addListener(ChannelFutureListener.CLOSE);
            } else {
                c.close();
            }
        });
    }

    private void closeWith(LoadFailure reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closeWith(new LoadFailure("io:" + cause.getClass().getSimpleName(), cause));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        LoadFailure reason = closeReason != null ? closeReason : LoadFailure.closed();
        unacknowledged.failAll(reason);
        boolean wasConnected = connected.isDone() && !connected.isCompletedExceptionally();
        connected.completeExceptionally(reason);
        if (wasConnected && !closing) {
            lost.complete(reason);
        }
        ctx.fireChannelInactive();
    }
}
