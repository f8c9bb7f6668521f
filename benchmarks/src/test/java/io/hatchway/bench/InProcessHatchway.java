package io.hatchway.bench;

import io.hatchway.Hatchway;
import io.hatchway.config.BindAddress;
import io.hatchway.config.HatchwayConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A real Hatchway started in-process on ephemeral loopback ports, with a file sink, as the endpoint tests do. */
final class InProcessHatchway implements AutoCloseable {

    private final Hatchway hatchway;
    private final Path events;

    private InProcessHatchway(Hatchway hatchway, Path events) {
        this.hatchway = hatchway;
        this.events = events;
    }

    /** Starts with {@code registry} and the file sink writing {@code events}. */
    static InProcessHatchway start(Path registry, Path events) throws Exception {
        HatchwayConfig config = new HatchwayConfig(
                new HatchwayConfig.Mqtt(new BindAddress("127.0.0.1", 0), 262_144, Duration.ofSeconds(10), 32),
                new HatchwayConfig.Http(new BindAddress("127.0.0.1", 0), Optional.empty()),
                registry,
                new HatchwayConfig.Events(HatchwayConfig.Sink.FILE, events, 10_000),
                "bench-test");
        return new InProcessHatchway(Hatchway.start(config), events);
    }

    int mqttPort() {
        return hatchway.mqttPort();
    }

    Path events() {
        return events;
    }

    @Override
    public void close() {
        hatchway.close();
    }
}
