package io.hatchway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses the command line into {@link Options}: {@code --name value} or {@code --name=value}, and the flags
 * {@code --no-auth}, {@code --soak} and {@code --help}. Fails fast with a {@link UsageException} naming the option
 * and what it accepts; nothing is clamped silently.
 */
public final class OptionParser {

    public static final String USAGE = """
            Usage: java -jar hatchway-bench.jar [options]

            Target
              --host HOST              server host (default 127.0.0.1)
              --port PORT              server port (default 1883 tcp, 8883 tls, 8083 ws, 8084 wss)
              --transport KIND         tcp | tls | ws | wss (default tcp)
              --ca FILE                PEM CA certificate(s) to trust for tls/wss (default: the JVM's trust store)
              --ws-path PATH           WebSocket path (default /mqtt)
              --mqtt 3|5               MQTT 3.1.1 or 5 (default 5)
              --client hivemq|netty    MQTT client implementation (default netty; see README)
            Devices
              --devices N              devices, one connection each, named dev-0 .. dev-N-1 (default 10; with
                                       --registry-in: the first N of the application's devices, default all)
              --first-device K         start at dev-K instead of dev-0 (with --registry-in: skip the first K
                                       devices), so that runs side by side use different devices (default 0)
              --app NAME               their application (default my-app)
              --password-prefix P      device dev-i logs in as dev-i@APP with password P + dev-i (default pass-)
              --registry-out FILE      write a Hatchway registry with these devices first
              --registry-only          with --registry-out: write it and exit
              --registry-in FILE       take the application's devices (and plain pass passwords) from a registry
              --no-auth                no username and password (e.g. against Mosquitto)
            Connecting
              --connect-rate R         connection attempts per second during the ramp; 0: unlimited (default 1000)
              --connect-timeout T      time allowed for one connection (default 10s)
            Publishing (starts once every device connected or failed)
              --qos 0|1                (default 1)
              --rate MSGS_PER_S        total target rate across all connections, at most --window in flight per
                                       connection; 0: stay connected without publishing
              --window W               in-flight publishes per connection; without --rate: publish as fast as the
                                       window allows (default 16)
              --payload BYTES          payload size, at least the message id's size, about 50 B (default 64)
              --topic CHANNEL          topic, a drogue/v1 channel (default temp)
              --warmup T               publish this long first without measuring (default 0s)
              --duration T             how long to publish and measure: 500ms, 30s, 5m, 1h (default 30s)
              --soak                   publish until Ctrl-C, at most --max-duration
              --max-duration T         bound of a soak (default 1h)
            Results
              --summary-json FILE      also write the final summary as JSON
              --server-pid PID         also report this local server process's CPU time per message (Linux)
              --verify-file FILE       afterwards, find every message in Hatchway's file sink (events.jsonl)
              --verify-kafka SERVERS   afterwards, find every message in Hatchway's Kafka sink
              --verify-topic TOPIC     the Kafka topic (default events-APP)
              --verify-timeout T       how long to wait for acknowledged messages to reach the sink (default 30s)
              --help                   this text

            Exit status: 0 done; 1 acknowledged messages missing from the sink; 2 bad options; 3 the run failed.
            """;

    /** Devices generated when neither {@code --devices} nor {@code --registry-in} says otherwise. */
    public static final int DEFAULT_DEVICES = 10;

    private static final Set<String> FLAGS = Set.of("no-auth", "soak", "registry-only", "help");
    private static final Set<String> VALUED = Set.of("host", "port", "transport", "ca", "ws-path", "mqtt", "client",
            "devices", "first-device", "app", "password-prefix", "registry-out", "registry-in", "connect-rate",
            "connect-timeout", "qos", "rate", "window", "payload", "topic", "warmup", "duration", "max-duration",
            "summary-json", "server-pid", "verify-file", "verify-kafka", "verify-topic", "verify-timeout");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\-\\[\\]]+");

    private OptionParser() {
    }

    /** Whether the arguments ask for the usage text. */
    public static boolean wantsHelp(String[] args) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    /**
     * @throws UsageException naming the offending option and what it accepts
     */
    public static Options parse(String... args) throws UsageException {
        Map<String, String> values = read(args);
        ArgumentValues a = new ArgumentValues(values, FLAGS);

        TransportKind transport = a.choice("transport", TransportKind.class, TransportKind.TCP);
        String host = a.string("host", "127.0.0.1");
        if (!HOST.matcher(host).matches()) {
            throw new UsageException("--host: '" + host + "' is not a host name or address");
        }
        int port = a.integer("port", transport.defaultPort(), 1, 65_535);
        Optional<Path> ca = a.path("ca");
        if (ca.isPresent() && !transport.tls()) {
            throw new UsageException("--ca applies to --transport tls or wss only");
        }
        String wsPath = a.string("ws-path", "/mqtt");
        if (!wsPath.startsWith("/")) {
            throw new UsageException("--ws-path: expected a path starting with /, got '" + wsPath + "'");
        }
        int mqtt = a.integer("mqtt", 5, 3, 5);
        if (mqtt == 4) {
            throw new UsageException("--mqtt: expected 3 (3.1.1) or 5, got 4");
        }
        Options.ClientKind client = a.choice("client", Options.ClientKind.class, Options.ClientKind.NETTY);

        OptionalInt devices = a.has("devices") ? OptionalInt.of(a.integer("devices", 0, 1, 1_000_000))
                : OptionalInt.empty();
        int firstDevice = a.integer("first-device", 0, 0, 1_000_000);
        String app = a.string("app", "my-app");
        boolean noAuth = values.containsKey("no-auth");
        Optional<Path> registryOut = a.path("registry-out");
        Optional<Path> registryIn = a.path("registry-in");
        if (registryOut.isPresent() && registryIn.isPresent()) {
            throw new UsageException("--registry-out and --registry-in exclude each other");
        }
        boolean registryOnly = values.containsKey("registry-only");
        if (registryOnly && registryOut.isEmpty()) {
            throw new UsageException("--registry-only needs --registry-out");
        }
        if (noAuth && (registryOut.isPresent() || registryIn.isPresent() || values.containsKey("password-prefix"))) {
            throw new UsageException("--no-auth sends no credentials: drop --registry-out, --registry-in and "
                    + "--password-prefix");
        }
        String passwordPrefix = a.string("password-prefix", "pass-");

        double connectRate = a.decimal("connect-rate", 1000);
        Duration connectTimeout = a.duration("connect-timeout", Duration.ofSeconds(10));
        if (connectTimeout.isZero()) {
            throw new UsageException("--connect-timeout must be positive");
        }
        int qos = a.integer("qos", 1, 0, 1);
        Optional<Long> rate = a.has("rate") ? Optional.of(a.longInteger("rate", 0, 0, 100_000_000)) : Optional.empty();
        int window = a.integer("window", 16, 1, 65_535);
        int payload = a.integer("payload", 64, 1, 268_435_455);
        if (registryIn.isEmpty()) {
            checkPayload(payload, devices.orElse(DEFAULT_DEVICES));
        }
        String topic = a.string("topic", "temp");
        if (topic.isEmpty() || topic.contains("/") || topic.contains("+") || topic.contains("#")) {
            throw new UsageException("--topic: expected a drogue/v1 channel (one topic level, no wildcards), got '"
                    + topic + "'");
        }
        boolean soak = values.containsKey("soak");
        if (soak && values.containsKey("duration")) {
            throw new UsageException("--soak runs until Ctrl-C or --max-duration: drop --duration");
        }
        Duration warmup = a.duration("warmup", Duration.ZERO);
        Duration duration = a.duration("duration", Duration.ofSeconds(30));
        Duration maxDuration = a.duration("max-duration", Duration.ofHours(1));
        if (!soak && values.containsKey("max-duration")) {
            throw new UsageException("--max-duration bounds --soak only; use --duration");
        }

        Optional<Path> summaryJson = a.path("summary-json");
        OptionalLong serverPid = a.has("server-pid")
                ? OptionalLong.of(a.longInteger("server-pid", 0, 1, Long.MAX_VALUE)) : OptionalLong.empty();
        Optional<Options.VerifyTarget> verify = verifyTarget(a, app);
        Duration verifyTimeout = a.duration("verify-timeout", Duration.ofSeconds(30));
        a.requireAllUsed();
        return new Options(host, port, transport, ca, wsPath, client, devices, firstDevice, app, passwordPrefix,
                registryOut, registryOnly, registryIn, noAuth, connectRate, connectTimeout, qos, rate, window, payload,
                warmup, duration, soak, maxDuration, mqtt, topic, summaryJson, serverPid, verify, verifyTimeout);
    }

    /**
     * @throws UsageException if {@code payloadBytes} cannot hold the message id of {@code devices} devices
     */
    public static void checkPayload(int payloadBytes, int devices) throws UsageException {
        int minimum = PayloadFormat.minimumSize(devices);
        if (payloadBytes < minimum) {
            throw new UsageException("--payload " + payloadBytes + " cannot hold the message id: at least " + minimum
                    + " bytes with " + devices + " devices");
        }
    }

    private static Optional<Options.VerifyTarget> verifyTarget(ArgumentValues a, String app) throws UsageException {
        Optional<Path> file = a.path("verify-file");
        Optional<String> kafka = a.has("verify-kafka") ? Optional.of(a.string("verify-kafka", "")) : Optional.empty();
        if (file.isPresent() && kafka.isPresent()) {
            throw new UsageException("--verify-file and --verify-kafka exclude each other");
        }
        if (a.has("verify-topic") && kafka.isEmpty()) {
            throw new UsageException("--verify-topic needs --verify-kafka");
        }
        if (file.isPresent()) {
            return Optional.of(new Options.VerifyTarget.File(file.get()));
        }
        if (kafka.isPresent()) {
            return Optional.of(new Options.VerifyTarget.Kafka(kafka.get(), a.string("verify-topic", "events-" + app)));
        }
        return Optional.empty();
    }

    private static Map<String, String> read(String[] args) throws UsageException {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "'; options start with --");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (FLAGS.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "";
            } else if (!VALUED.contains(name)) {
                throw new UsageException("unknown option --" + name);
            } else if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            if (values.put(name, value) != null) {
                throw new UsageException("--" + name + " given twice");
            }
        }
        return values;
    }
}
