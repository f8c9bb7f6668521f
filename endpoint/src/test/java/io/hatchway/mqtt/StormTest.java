package io.hatchway.mqtt;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.sun.management.UnixOperatingSystemMXBean;
import io.hatchway.RawMqttClient;
import io.hatchway.ServerProcess;
import io.hatchway.SocketStorm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.hatchway.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Storms and floods (issue 7, section 3), against the server run as its own process ({@link ServerProcess}): the
 * client side of 10,000 connections needs half of one process's file descriptors, and the server's CPU time is
 * measured apart from the clients'. Connections are driven by {@link SocketStorm}, one selector thread. The figures
 * measured (durations, rates, CPU seconds) are printed for the record; only behaviour is asserted.
 */
class StormTest {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /**
     * The server's timer starts when it accepts, after the client opened the socket, so measured from there a close
     * can only look late: this margin is for clock granularity only.
     */
    private static final Duration EARLY_MARGIN = Duration.ofMillis(100);
    /** Covers the accept lag of a burst, the closing of thousands at about the same time and observing it. */
    private static final Duration LATE_MARGIN = Duration.ofSeconds(5);

    private static final int SILENT_CONNECTIONS = 10_000;
    /** Connections opened and not yet connected at a time: about the server's accept backlog. */
    private static final int SILENT_PENDING = 1_000;

    private static final int DEVICES = 5_000;
    /** The lowest bcrypt cost there is, about 2 ms a verification here: the cold wave stays affordable. */
    private static final int BCRYPT_COST = 4;
    /**
     * Distinct passwords, used round-robin: hashing 5,000 would cost the test what the cold wave costs the server.
     * The server verifies per device all the same, as its cache is keyed by device.
     */
    private static final int PASSWORDS = 16;
    /** CONNECTs waiting for their CONNACK in the cold wave: below the server's hashing queue (1,024). */
    private static final int COLD_PENDING = 200;

    private static final String DEVICE_USERNAME = "device1@my-app";
    private static final String DEVICE_PASSWORD = "hey-rodney";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static ServerProcess server;
    static List<String> passwords = new ArrayList<>();

    @RegisterExtension
    final TestWatcher serverOutputOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (server != null) {
                System.out.println("Server output (" + server.output() + "):\n" + server.outputText());
            }
        }
    };

    @BeforeAll
    static void start() throws Exception {
        StringBuilder registry = new StringBuilder("""
                applications:
                  - metadata: { name: my-app }
                  - metadata: { name: storm }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      authentication:
                        credentials:
                          - pass: hey-rodney
                """);
        List<String> hashes = new ArrayList<>();
        for (int p = 0; p < PASSWORDS; p++) {
            passwords.add(UUID.randomUUID().toString());
            hashes.add(BCrypt.withDefaults().hashToString(BCRYPT_COST, passwords.get(p).toCharArray()));
        }
        for (int i = 0; i < DEVICES; i++) {
            registry.append("  - metadata: { name: d").append(i).append(", application: storm }\n")
                    .append("    spec: { authentication: { credentials: [ { pass: { bcrypt: \"")
                    .append(hashes.get(i % PASSWORDS)).append("\" } } ] } }\n");
        }
        Files.writeString(dir.resolve("registry.yaml"), registry);
        server = ServerProcess.start(dir, """
                mqtt: { bind: 127.0.0.1:0, connectTimeout: %ds }
                http: { bind: 127.0.0.1:0 }
                registry: { file: registry.yaml }
                events: { sink: file, path: events.jsonl }
                """.formatted(CONNECT_TIMEOUT.toSeconds()),
                List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError"), List.of("mqtt", "http"), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    /**
     * 10,000 TCP connections that never send CONNECT: each is closed by the server at the connect timeout, not
     * before and not long after, while a device connects and publishes as usual; afterwards the server holds no
     * connection and no more file descriptors than before.
     */
    @Test
    void tenThousandSilentConnectionsAreAllClosedAtTheConnectTimeoutWhileADevicePublishes() throws Exception {
        long maxFiles = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assertTrue(maxFiles >= SILENT_CONNECTIONS + 2_000, "this test needs " + (SILENT_CONNECTIONS + 2_000)
                + " open files per process, the limit is " + maxFiles + " (ulimit -n)");
        Duration before = publishAsDevice("before the storm"); // and the client is warm
        int filesBefore = server.openFiles();
        long overflowsBefore = listenOverflows();
        SocketStorm storm = SocketStorm.silent(server.port("mqtt"), SILENT_CONNECTIONS);
        long start = System.nanoTime();
        CompletableFuture<Boolean> allClosed = new CompletableFuture<>();
        Thread driver = new Thread(() -> {
            try {
                allClosed.complete(storm.run(SILENT_PENDING, CONNECT_TIMEOUT.multipliedBy(2).plus(LATE_MARGIN)
                        .plusSeconds(30)));
            } catch (Throwable e) {
                allClosed.completeExceptionally(e);
            }
        }, "silent-storm");
        driver.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> storm.connected() == SILENT_CONNECTIONS
                    || allClosed.isDone());
            double opened = seconds(System.nanoTime() - start);
            int serverOpen = (int) server.metric("hatchway_connections_open", "");
            int serverFiles = server.openFiles();

            Duration latency = publishAsDevice("during the storm");

            assertTrue(allClosed.get(CONNECT_TIMEOUT.multipliedBy(2).plus(LATE_MARGIN).plusSeconds(35).toSeconds(),
                    TimeUnit.SECONDS), "not all closed by the server: " + storm.outcomes());
            double total = seconds(System.nanoTime() - start);
            long[] lifetimes = storm.lifetimes();
            Arrays.sort(lifetimes);
            long[] sinceOpened = storm.lifetimesSinceOpened();
            Arrays.sort(sinceOpened);
            System.out.printf("Silent storm: %d connections opened in %.2f s (%.0f/s); then the server had %d open"
                            + " and %d fds (%d before); all closed after %.2f s%n", SILENT_CONNECTIONS, opened,
                    SILENT_CONNECTIONS / opened, serverOpen, serverFiles, filesBefore, total);
            System.out.printf("Silent storm: listen queue overflows (SYNs dropped, kernel-wide): %d%n",
                    listenOverflows() - overflowsBefore);
            System.out.printf("Silent storm: from connected to closed by the server (connect timeout %d ms): %s;"
                    + " shortest from socket opened to closed %d ms%n", CONNECT_TIMEOUT.toMillis(),
                    distribution(lifetimes), millis(sinceOpened[0]));
            System.out.printf("Silent storm: device CONNECT + QoS 1 PUBLISH + PUBACK took %d ms before the storm,"
                    + " %d ms during%n", before.toMillis(), latency.toMillis());

            assertNull(storm.unexpected());
            assertTrue(lifetimes[0] >= 0, "a connection never connected: " + storm.outcomes());
            assertTrue(sinceOpened[0] >= CONNECT_TIMEOUT.minus(EARLY_MARGIN).toNanos(),
                    "closed before the connect timeout: " + millis(sinceOpened[0]) + " ms after opening");
            assertTrue(lifetimes[lifetimes.length - 1] <= CONNECT_TIMEOUT.plus(LATE_MARGIN).toNanos(),
                    "closed long after the connect timeout: after " + millis(lifetimes[lifetimes.length - 1])
                            + " ms");
        } finally {
            driver.join(TimeUnit.SECONDS.toMillis(60));
            storm.close();
        }

        assertTrue(server.isAlive());
        System.out.printf("Silent storm: device CONNECT + QoS 1 PUBLISH + PUBACK after the storm took %d ms%n",
                publishAsDevice("after the storm").toMillis());
        await().atMost(Duration.ofSeconds(10)).until(() -> server.metric("hatchway_connections_open", "") == 0);
        assertEquals(200, server.get("/health/ready").statusCode());
        if (filesBefore >= 0) {
            await().atMost(Duration.ofSeconds(10)).until(() -> server.openFiles() < filesBefore + 100);
        }
        System.out.printf("Silent storm: server fds after %d%n", server.openFiles());
    }

    /**
     * 5,000 devices with bcrypt passwords connect (each verification paid once), then all drop and reconnect at
     * once: every reconnect is accepted, from the cache of successful verifications. Without it the reconnects
     * would queue for bcrypt again: refused as server unavailable when the hashing queue is full, or closed at the
     * connect timeout, and the reconnect wave would cost the server about as much CPU as the cold one.
     */
    @Test
    void fiveThousandBcryptDevicesReconnectingAtOnceAreAllAcceptedAndTheVerificationCacheSparesTheCpu()
            throws Exception {
        List<byte[]> connects = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            connects.add(RawMqttClient.connect("MQTT", 4, "d" + i, "d" + i + "@storm", passwords.get(i % PASSWORDS),
                    0));
        }
        double unavailableBefore = server.metric("hatchway_connects_total", "outcome=\"unavailable\"");

        Duration cpu0 = server.cpuTime();
        long t0 = System.nanoTime();
        SocketStorm cold = SocketStorm.connecting(server.port("mqtt"), connects);
        SocketStorm reconnect = null;
        try {
            boolean coldDone = cold.run(COLD_PENDING, Duration.ofSeconds(120));
            long t1 = System.nanoTime();
            Duration cpu1 = server.cpuTime();
            assertTrue(coldDone, "cold wave unfinished: " + cold.outcomes());
            assertEquals(Map.of(0, DEVICES), cold.outcomes(), "CONNACK codes of the cold wave");

            // Every device drops at once and reconnects at once.
            long overflowsBefore = listenOverflows();
            long t2 = System.nanoTime();
            cold.close();
            reconnect = SocketStorm.connecting(server.port("mqtt"), connects);
            boolean reconnectDone = reconnect.run(DEVICES, Duration.ofSeconds(60));
            long t3 = System.nanoTime();
            Duration cpu2 = server.cpuTime();
            long overflows = listenOverflows() - overflowsBefore;

            System.out.printf("Reconnect storm: socket opened to CONNACK, cold wave: %s%n",
                    distribution(cold.answerTimes()));
            System.out.printf("Reconnect storm: socket opened to CONNACK, reconnect wave: %s%n",
                    distribution(reconnect.answerTimes()));
            // The reconnect wave's CPU also pays for handling the 5,000 drops: the comparison is conservative.
            double coldCpu = seconds(cpu1.minus(cpu0).toNanos());
            double reconnectCpu = seconds(cpu2.minus(cpu1).toNanos());
            System.out.printf("Reconnect storm: cold wave (bcrypt cost %d, %d pending) %d CONNACKs in %.2f s"
                            + " (%.0f/s), server CPU %.2f s (%.2f ms a CONNECT)%n", BCRYPT_COST, COLD_PENDING,
                    DEVICES, seconds(t1 - t0), DEVICES / seconds(t1 - t0), coldCpu, coldCpu * 1000 / DEVICES);
            System.out.printf("Reconnect storm: drop + reconnect all at once: %d CONNACKs in %.2f s (%.0f/s),"
                            + " server CPU %.2f s (%.2f ms a CONNECT); reconnect/cold CPU %.2f%n", DEVICES,
                    seconds(t3 - t2), DEVICES / seconds(t3 - t2), reconnectCpu, reconnectCpu * 1000 / DEVICES,
                    reconnectCpu / coldCpu);
            System.out.printf("Reconnect storm: listen queue overflows in the reconnect wave (SYNs dropped,"
                    + " kernel-wide): %d%n", overflows);

            assertTrue(reconnectDone, "reconnect wave unfinished: " + reconnect.outcomes());
            assertEquals(Map.of(0, DEVICES), reconnect.outcomes(), "CONNACK codes of the reconnect wave");
            assertEquals(unavailableBefore, server.metric("hatchway_connects_total", "outcome=\"unavailable\""),
                    "CONNECTs refused as server unavailable");
            assertTrue(reconnectCpu < coldCpu / 3, "the reconnect wave cost the server " + reconnectCpu
                    + " s of CPU, the cold wave " + coldCpu + " s: verifications are not cached");
        } finally {
            cold.close();
            if (reconnect != null) {
                reconnect.close();
            }
        }
        assertTrue(server.isAlive());
        await().atMost(Duration.ofSeconds(30)).until(() -> server.metric("hatchway_connections_open", "") == 0);
    }

    /** Connects as a device, publishes at QoS 1 until PUBACK, checks the event is in the sink; the time it took. */
    private static Duration publishAsDevice(String phase) throws Exception {
        String id = UUID.randomUUID().toString();
        Mqtt3AsyncClient device = MqttClient.builder().useMqttVersion3().identifier("device1")
                .serverHost("127.0.0.1").serverPort(server.port("mqtt")).buildAsync();
        long start = System.nanoTime();
        device.connectWith().simpleAuth().username(DEVICE_USERNAME).password(bytes(DEVICE_PASSWORD)).applySimpleAuth()
                .send().get(30, TimeUnit.SECONDS);
        device.publishWith().topic("storm").qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("{\"phase\":\"" + phase + "\",\"id\":\"" + id + "\"}")).send()
                .get(30, TimeUnit.SECONDS);
        Duration latency = Duration.ofNanos(System.nanoTime() - start);
        device.disconnect().get(10, TimeUnit.SECONDS);
        // PUBACK means the sink has it.
        JsonNode event = Files.readAllLines(dir.resolve("events.jsonl"), StandardCharsets.UTF_8).stream()
                .filter(line -> line.contains(id)).findFirst().map(StormTest::json)
                .orElseThrow(() -> new AssertionError("PUBACKed event not in the sink (" + phase + ")"));
        assertEquals("drogue://my-app/device1", event.get("source").asText());
        assertEquals(id, event.get("data").get("id").asText());
        return latency;
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    /**
     * Linux's count of connections dropped because a listen queue was full (TcpExt ListenOverflows, for the whole
     * network namespace), or 0 where it cannot be read: the clients then retry after a second or more.
     */
    private static long listenOverflows() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                List<String> names = List.of(lines.get(i).split(" "));
                int at = names.indexOf("ListenOverflows");
                if (names.get(0).equals("TcpExt:") && at > 0) {
                    return Long.parseLong(lines.get(i + 1).split(" ")[at]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: nothing to report
        }
        return 0;
    }

    /** Minimum, median, 99th percentile and maximum of durations in nanoseconds, in milliseconds. */
    private static String distribution(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format("min %d ms, median %d ms, p99 %d ms, max %d ms", millis(sorted[0]),
                millis(sorted[sorted.length / 2]), millis(sorted[sorted.length * 99 / 100]),
                millis(sorted[sorted.length - 1]));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
