package io.hatchway.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttWebSocketConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;

import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * Connections on the HiveMQ MQTT client's async API. The client's Netty threads are shared by all connections;
 * completions run on RxJava's computation scheduler (the client's default).
 */
public final class HiveMqConnections implements ConnectionFactory {

    private final Options options;
    private final MqttQos qos;
    private final Optional<MqttClientSslConfig> ssl;
    private final Optional<MqttWebSocketConfig> webSocket;
    private final MqttClientExecutorConfig executor;

    /**
     * @param trust the trust for TLS transports; empty: the JVM's default
     */
    public HiveMqConnections(Options options, Optional<TrustManagerFactory> trust) {
        this.options = Objects.requireNonNull(options, "options");
        this.qos = options.qos() == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE;
        this.ssl = options.transport().tls()
                ? Optional.of(trust.map(t -> MqttClientSslConfig.builder().trustManagerFactory(t).build())
                        .orElseGet(() -> MqttClientSslConfig.builder().build()))
                : Optional.empty();
        this.webSocket = options.transport().webSocket()
                ? Optional.of(MqttWebSocketConfig.builder().serverPath(options.wsPath().substring(1)).build())
                : Optional.empty();
        this.executor = MqttClientExecutorConfig.builder().build();
    }

    @Override
    public LoadConnection create(DeviceLogin device) {
        HiveMqLifecycle lifecycle = new HiveMqLifecycle();
        MqttClientBuilder builder = MqttClient.builder()
                .identifier(device.clientId())
                .serverHost(options.host())
                .serverPort(options.port())
                .executorConfig(executor)
                .addConnectedListener(lifecycle)
                .addDisconnectedListener(lifecycle);
        ssl.ifPresent(builder::sslConfig);
        webSocket.ifPresent(builder::webSocketConfig);
        if (options.mqttVersion() == 5) {
            return new HiveMq5Connection(builder.useMqttVersion5().buildAsync(), device, options.topic(), qos,
                    lifecycle);
        }
        return new HiveMq3Connection(builder.useMqttVersion3().buildAsync(), device, options.topic(), qos, lifecycle);
    }

    @Override
    public void close() {
        // The client's shared Netty threads stop by themselves once no client uses them.
    }
}
