package io.hatchway.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;

import java.net.URI;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Connections of the minimal Netty MQTT client: one event loop group for all of them, one thread per core, and
 * per connection the pipeline built in one place below: TLS and WebSocket when asked for, Netty's MQTT codec,
 * {@link ConnectSender}, keep-alive pings and the session ({@link NettyMqttHandler}).
 */
public final class NettyConnections implements ConnectionFactory {

    static final int KEEP_ALIVE_SECONDS = 60;
    private static final int MAX_PACKET = 268_435_455;

    private final Options options;
    private final EventLoopGroup group;
    private final Optional<SslContext> ssl;
    private final MqttVersion version;
    private final MqttQoS qos;

    public NettyConnections(Options options, Optional<TrustManagerFactory> trust) {
        this.options = options;
        this.version = options.mqttVersion() == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1;
        this.qos = options.qos() == 0 ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
        this.ssl = options.transport().tls() ? Optional.of(sslContext(trust)) : Optional.empty();
        this.group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), r -> {
            Thread t = new Thread(r, "bench-netty");
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
    }

    private static SslContext sslContext(Optional<TrustManagerFactory> trust) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
            trust.ifPresent(builder::trustManager);
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the TLS client context", e);
        }
    }

    @Override
    public LoadConnection create(DeviceLogin device) {
        NettyMqttHandler handler = new NettyMqttHandler(options.topic(), qos, options.window());
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        ssl.ifPresent(context -> p.addLast("tls",
                                context.newHandler(ch.alloc(), options.host(), options.port())));
                        if (options.transport().webSocket()) {
                            p.addLast("http", new HttpClientCodec());
                            p.addLast("http-aggregator", new HttpObjectAggregator(65_536));
                            p.addLast("ws", new WebSocketClientProtocolHandler(
                                    WebSocketClientHandshakerFactory.newHandshaker(webSocketUri(), WebSocketVersion.V13,
                                            "mqtt", false, new DefaultHttpHeaders(), MAX_PACKET)));
                            p.addLast("ws-frames", new WebSocketBinaryFrames());
                        }
                        p.addLast("mqtt-decoder", new MqttDecoder(MAX_PACKET));
                        p.addLast("mqtt-encoder", MqttEncoder.INSTANCE);
                        p.addLast("connect", new ConnectSender(device, version, KEEP_ALIVE_SECONDS,
                                options.transport().webSocket()));
                        p.addLast("idle", new IdleStateHandler(0, KEEP_ALIVE_SECONDS / 2, 0, TimeUnit.SECONDS));
                        p.addLast("ping", PingSender.INSTANCE);
                        p.addLast("session", handler);
                    }
                });
        return new NettyConnection(bootstrap, options.host(), options.port(), handler);
    }

    private URI webSocketUri() {
        String scheme = options.transport().tls() ? "wss" : "ws";
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create(scheme + "://" + host + ":" + options.port() + options.wsPath());
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
