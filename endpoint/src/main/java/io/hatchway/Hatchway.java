package io.hatchway;

import io.hatchway.commands.CommandBus;
import io.hatchway.commands.CommandRouter;
import io.hatchway.commands.KafkaCommandBus;
import io.hatchway.config.HatchwayConfig;
import io.hatchway.events.EventMapper;
import io.hatchway.events.EventSink;
import io.hatchway.events.FileSink;
import io.hatchway.events.HttpSink;
import io.hatchway.events.KafkaSink;
import io.hatchway.events.StdoutSink;
import io.hatchway.http.CommandApi;
import io.hatchway.http.EventStreamApi;
import io.hatchway.integration.BackendServices;
import io.hatchway.integration.EventHub;
import io.hatchway.integration.KafkaEventFeed;
import io.hatchway.integration.KafkaGroupFeeds;
import io.hatchway.integration.KeyRevocation;
import io.hatchway.integration.ObservedSink;
import io.hatchway.http.HttpApiHandler;
import io.hatchway.http.PresenceApi;
import io.hatchway.http.HttpChannelInitializer;
import io.hatchway.metrics.EndpointMetrics;
import io.hatchway.mqtt.AccessRevocation;
import io.hatchway.mqtt.ConnectedDevices;
import io.hatchway.mqtt.DevicePresence;
import io.hatchway.mqtt.KeepAliveSweeper;
import io.hatchway.mqtt.SessionLifecycle;
import io.hatchway.mqtt.WillReader;
import io.hatchway.mqtt.MqttServices;
import io.hatchway.mqtt.MqttSettings;
import io.hatchway.registry.FileRegistry;
import io.hatchway.registry.PasswordAuthenticator;
import io.hatchway.registry.RegistryException;
import io.hatchway.registry.ApiKeyAuthenticator;
import io.hatchway.transport.BackendChannelInitializer;
import io.hatchway.transport.Listener;
import io.hatchway.transport.MqttChannelInitializer;
import io.hatchway.auth.ConnectAuthenticator;
import io.hatchway.registry.CertificateAuthenticator;
import io.hatchway.registry.PskKeys;
import io.hatchway.transport.PskServerTls;
import io.hatchway.transport.ServerTls;
import java.time.Clock;
import io.hatchway.transport.TlsTransport;
import io.hatchway.transport.Transport;
import io.hatchway.transport.WebSocketTransport;
import io.hatchway.config.BindAddress;
import io.netty.channel.ChannelHandler;
import javax.net.ssl.SSLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running Hatchway instance. {@link #start} wires everything by hand, in dependency order: registry, sink,
 * metrics, authentication, connections and commands (local, or across instances through Kafka), then the MQTT
 * and HTTP listeners. {@link #close} stops
 * accepting, closes connections, then drains the sink so nothing accepted is lost.
 */
public final class Hatchway implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Hatchway.class);
    private static final int HASHING_QUEUE = 1024;

    private final FileRegistry registry;
    private final EventSink sink;
    private final ExecutorService hashing;
    private final EventHub hub;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
    private volatile ServerTls tls;
    private volatile SessionLifecycle lifecycle;
    private volatile CommandBus commands;
    private volatile KafkaEventFeed feed;
    private volatile KafkaGroupFeeds groupFeeds;
    private volatile boolean started;

    private Hatchway(FileRegistry registry, EventSink sink, ExecutorService hashing, EventHub hub) {
        this.registry = registry;
        this.sink = sink;
        this.hashing = hashing;
        this.hub = hub;
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    }

    /** Starts an instance; the listeners are bound when this returns. */
    public static Hatchway start(HatchwayConfig config) throws RegistryException, SSLException {
        FileRegistry registry = FileRegistry.open(config.registryFile());
        EventSink store = switch (config.events().sink()) {
            case FILE -> new FileSink(config.events().path(), config.events().capacity());
            case STDOUT -> new StdoutSink(System.out, config.events().capacity());
            case KAFKA -> new KafkaSink(config.events().kafka());
            case HTTP -> new HttpSink(config.events().http());
        };
        // Backends following an application get what the sink accepted: in this process, or with Kafka from Kafka,
        // so that they see the devices of every instance.
        EventHub hub = new EventHub();
        EventSink sink = config.events().sink() == HatchwayConfig.Sink.KAFKA ? store : new ObservedSink(store, hub);
        // bcrypt checks: bounded, so a flood of CONNECTs gets "server unavailable" instead of an endless queue.
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService hashing = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(HASHING_QUEUE), daemonThreads("hatchway-hashing"),
                new ThreadPoolExecutor.AbortPolicy());
        Hatchway hatchway = new Hatchway(registry, sink, hashing, hub);
        try {
            hatchway.bind(config);
        } catch (Exception e) {
            hatchway.close();
            throw e;
        }
        return hatchway;
    }

    private void bind(HatchwayConfig config) throws SSLException {
        EndpointMetrics metrics = new EndpointMetrics();
        PskKeys pskKeys = new PskKeys(registry, Clock.systemUTC());
        ConnectedDevices devices = new ConnectedDevices(config.mqtt().limits().maxConnections());
        DevicePresence presence = new DevicePresence(devices);
        EventMapper mapper = new EventMapper(config.instance());
        HatchwayConfig.Mqtt mqttConfig = config.mqtt();
        lifecycle = new SessionLifecycle(devices, new WillReader(registry, mapper), mapper, sink, metrics, presence);
        MqttServices services = new MqttServices(
                new MqttSettings(mqttConfig.maxPacketSize(), mqttConfig.connectTimeout(), mqttConfig.receiveMaximum(),
                        mqttConfig.blockedTimeout(), mqttConfig.limits()),
                registry, new ConnectAuthenticator(new PasswordAuthenticator(registry, hashing),
                        new CertificateAuthenticator(registry, hashing), pskKeys, mqttConfig.defaultApplication()),
                lifecycle, mapper, sink, metrics);
        CommandRouter router = new CommandRouter(registry, devices, metrics);
        HatchwayConfig.Events events = config.events();
        commands = events.commandsTopic() == null ? router : new KafkaCommandBus(registry, router,
                events.kafka().bootstrapServers(), events.commandsTopic(), config.instance(),
                events.kafka().properties());
        registry.onChange(new AccessRevocation(devices));
        boss.next().scheduleAtFixedRate(new KeepAliveSweeper(devices), KeepAliveSweeper.PERIOD_MILLIS,
                KeepAliveSweeper.PERIOD_MILLIS, TimeUnit.MILLISECONDS);

        Duration handshake = mqttConfig.connectTimeout();
        listen("mqtt", mqttConfig.bind(), new MqttChannelInitializer(services, Transport.TCP));
        if (config.mqtts().isPresent()) {
            tls = ServerTls.start(config.mqtts().get());
            listen("mqtts", config.mqtts().get().bind(),
                    new MqttChannelInitializer(services, new TlsTransport(tls::context, handshake)));
        }
        if (config.mqttsPsk().isPresent()) {
            listen("mqttsPsk", config.mqttsPsk().get().bind(),
                    new MqttChannelInitializer(services, PskServerTls.transport(pskKeys, handshake)));
        }
        config.ws().ifPresent(ws -> listen("ws", ws.bind(), new MqttChannelInitializer(services,
                new WebSocketTransport(ws, mqttConfig.maxPacketSize()))));
        if (config.wss().isPresent()) {
            HatchwayConfig.WebSocket wss = config.wss().get();
            listen("wss", wss.bind(), new MqttChannelInitializer(services,
                    new TlsTransport(tls::contextWithoutClientAuth, handshake)
                            .then(new WebSocketTransport(wss, mqttConfig.maxPacketSize()))));
        }
        if (events.sink() == HatchwayConfig.Sink.KAFKA) {
            feed = new KafkaEventFeed(events.kafka(), hub, config.instance());
            groupFeeds = new KafkaGroupFeeds(events.kafka(), hub, config.instance());
        }
        ApiKeyAuthenticator keys = new ApiKeyAuthenticator(registry, hashing);
        KeyRevocation revocation = new KeyRevocation(registry);
        registry.onChange(revocation);
        BackendServices backends = new BackendServices(services.settings(), keys, services.authFailures(), hub,
                commands, config.integration().maxQueued(), config.integration().maxQueuedBytes(), revocation);
        if (config.integration().mqtt().isPresent()) {
            listen("integration", config.integration().mqtt().get(),
                    new BackendChannelInitializer(backends, Transport.TCP));
        }
        if (config.integration().mqtts().isPresent()) {
            listen("integrationTls", config.integration().mqtts().get(), new BackendChannelInitializer(backends,
                    new TlsTransport(tls::contextWithoutClientAuth, handshake)));
        }
        config.integration().ws().ifPresent(ws -> listen("integrationWs", ws.bind(), new BackendChannelInitializer(
                backends, new WebSocketTransport(ws, mqttConfig.maxPacketSize()))));
        HttpApiHandler api = new HttpApiHandler(new CommandApi(commands),
                new PresenceApi(registry, presence, app -> app.mqtt().offlineThreshold()),
                new EventStreamApi(hub, keys, config.integration().maxQueued(), config.integration().maxQueuedBytes(),
                        services.authFailures(),
                        mqttConfig.limits().authFailureDelay(), revocation), metrics, this::ready,
                config.http().token());
        listen("http", config.http().bind(), new HttpChannelInitializer(api, mqttConfig.maxPacketSize()));
        started = true;
    }

    private void listen(String name, BindAddress address, ChannelHandler initializer) {
        try {
            Listener listener = Listener.bind(name, address, boss, workers, initializer);
            listeners.put(name, listener);
            LOG.info("{} listening on {}:{}", name, address.host(), listener.port());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding " + name, e);
        }
    }

    /** Ready: every configured listener bound and the registry loaded. */
    public boolean ready() {
        return started && listeners.values().stream().allMatch(Listener::isBound) && registry.current() != null
                && commands.ready();
    }

    /**
     * The bound port of a listener: mqtt, mqtts, mqttsPsk, ws, wss, integration, integrationTls, integrationWs or
     * http.
     */
    public int port(String listener) {
        Listener l = listeners.get(listener);
        if (l == null) {
            throw new IllegalArgumentException("no listener " + listener);
        }
        return l.port();
    }

    public int mqttPort() {
        return port("mqtt");
    }

    public int httpPort() {
        return port("http");
    }

    @Override
    public void close() {
        listeners.values().forEach(Listener::close);
        if (tls != null) {
            tls.close();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (lifecycle != null) {
            lifecycle.sendPendingWills();
        }
        // The sink first: what devices were told is accepted must reach it before anything else takes time.
        try {
            sink.close();
        } catch (Exception e) {
            LOG.error("closing the event sink failed", e);
        }
        if (feed != null) {
            feed.close();
        }
        if (groupFeeds != null) {
            groupFeeds.close();
        }
        if (commands instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.error("closing the command bus failed", e);
            }
        }
        hashing.shutdownNow();
        registry.close();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
