package io.hatchway.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's mosquitto on an ephemeral loopback port, with the same settings as {@code benchmarks/mosquitto.sh}.
 * Fails (rather than skips) where mosquitto is not installed, as the comparison is part of what the tool is for.
 */
final class MosquittoProcess implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Process process;
    private final int port;

    private MosquittoProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static MosquittoProcess start(Path dir) throws Exception {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is missing: install Debian's mosquitto (apt-get install mosquitto)");
        }
        // The free port is found, closed, then bound by mosquitto: another process may take it in between, so a
        // mosquitto that exits while starting is started again on another port.
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnFreePort(dir);
            } catch (EarlyExit e) {
                if (attempt == 3) {
                    throw new AssertionError(e.getMessage());
                }
            }
        }
    }

    /** Mosquitto exited before it listened. */
    private static final class EarlyExit extends Exception {
        EarlyExit(String message) {
            super(message);
        }
    }

    private static MosquittoProcess startOnFreePort(Path dir) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path config = dir.resolve("mosquitto.conf");
        Files.writeString(config, """
                listener %d 127.0.0.1
                allow_anonymous true
                persistence false
                max_inflight_messages 32
                set_tcp_nodelay true
                log_dest stderr
                log_type error
                """.formatted(port));
        Process process = new ProcessBuilder(BINARY.toString(), "-c", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile())
                .start();
        MosquittoProcess mosquitto = new MosquittoProcess(process, port);
        mosquitto.awaitListening(dir);
        return mosquitto;
    }

    private void awaitListening(Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new EarlyExit("mosquitto exited: " + Files.readString(dir.resolve("mosquitto.log")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("mosquitto did not listen on " + port + " within 10 s");
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
