package io.hatchway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Hatchway run as an operator runs it, {@code java io.hatchway.Main --config FILE}, in a child JVM on the
 * test class path: for tests whose client side alone needs most of one process's file descriptors, or that measure
 * the server's CPU time. Listeners bind port 0; their ports are read from the "NAME listening on HOST:PORT" lines the
 * server logs. Everything the child writes (stdout and stderr) goes to one file in the test's directory, for
 * failure messages. {@link #close} stops the child, forcibly if it does not stop within seconds.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("(\\w+) listening on \\S+:(\\d+)");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path output;
    private final Map<String, Integer> ports;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Kills the child if the test JVM exits without {@link #close} (e.g. the build is interrupted). */
    private final Thread killOnExit;

    private ServerProcess(Process process, Path output, Map<String, Integer> ports) {
        this.process = process;
        this.output = output;
        this.ports = ports;
        this.killOnExit = new Thread(process::destroyForcibly, "kill-hatchway-" + process.pid());
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Writes {@code config} to {@code dir/hatchway.yaml} and starts the server there, returning once the listeners
     * named in {@code listeners} are bound.
     *
     * @param jvmOptions options of the child JVM, e.g. a heap limit
     * @throws IllegalStateException if the child ends, or does not log every listener within {@code startTimeout};
     *                               the message holds its output
     */
    public static ServerProcess start(Path dir, String config, List<String> jvmOptions, List<String> listeners,
                                      Duration startTimeout) throws IOException, InterruptedException {
        Path configFile = dir.resolve("hatchway.yaml");
        Files.writeString(configFile, config);
        Path output = dir.resolve("server-output.txt");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--config", configFile.toString()));
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        ServerProcess server = new ServerProcess(process, output, new HashMap<>());
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (!server.ports.keySet().containsAll(listeners)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("the server did not start (" + (process.isAlive() ? "no listeners "
                        + "logged within " + startTimeout : "exit code " + process.exitValue()) + "); its output:\n"
                        + server.outputText());
            }
            Thread.sleep(50);
            Matcher m = LISTENING.matcher(server.outputText());
            while (m.find()) {
                server.ports.put(m.group(1), Integer.parseInt(m.group(2)));
            }
        }
        return server;
    }

    /** The bound port of a listener (mqtt, http, ...). */
    public int port(String listener) {
        Integer port = ports.get(listener);
        if (port == null) {
            throw new IllegalArgumentException("no listener " + listener + " among " + ports.keySet());
        }
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** CPU time (user and system, all threads) the child has used so far. */
    public Duration cpuTime() {
        return process.info().totalCpuDuration()
                .orElseThrow(() -> new IllegalStateException("no CPU time for process " + process.pid()));
    }

    /** The child's open file descriptors, or -1 where {@code /proc} does not tell. */
    public int openFiles() {
        try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return (int) fds.count();
        } catch (IOException | SecurityException e) {
            return -1;
        }
    }

    /** A GET on the HTTP listener: the status code and body. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("http") + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The value of one Prometheus sample from {@code /metrics}: {@code name} as exposed (e.g.
     * {@code hatchway_connections_open}), {@code label} a {@code key="value"} the sample must carry, or empty.
     */
    public double metric(String name, String label) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/metrics");
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET /metrics answered " + response.statusCode());
        }
        for (String line : response.body().split("\n")) {
            if ((line.startsWith(name + " ") || line.startsWith(name + "{")) && line.contains(label)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new IllegalStateException("no sample " + name + " " + label + " in /metrics");
    }

    /** Everything the child wrote so far. */
    public String outputText() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + output + ": " + e + ")";
        }
    }

    public Path output() {
        return output;
    }

    /** Stops the child: SIGTERM (its shutdown hook drains the sink), then SIGKILL if it does not end in time. */
    @Override
    public void close() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is exiting: the hook runs anyway
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
