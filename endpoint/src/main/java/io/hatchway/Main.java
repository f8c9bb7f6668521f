package io.hatchway;

import io.hatchway.config.ConfigException;
import io.hatchway.config.ConfigLoader;
import io.hatchway.config.HatchwayConfig;
import io.hatchway.registry.RegistryException;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar hatchway.jar --config PATH}: runs the endpoint until it is stopped (SIGTERM / Ctrl-C). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else if (args[i].startsWith("--config=")) {
                configFile = Path.of(args[i].substring("--config=".length()));
            } else {
                fail("unknown argument '" + args[i] + "'; usage: java -jar hatchway.jar --config PATH");
            }
        }
        if (configFile == null) {
            fail("missing --config; usage: java -jar hatchway.jar --config PATH");
        }
        Hatchway hatchway;
        try {
            HatchwayConfig config = ConfigLoader.load(configFile);
            hatchway = Hatchway.start(config);
        } catch (ConfigException | RegistryException | javax.net.ssl.SSLException e) {
            fail(e.getMessage());
            return;
        } catch (Exception e) {
            fail("cannot start: " + e.getMessage());
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            hatchway.close();
            stopped.countDown();
        }, "hatchway-shutdown"));
        stopped.await();
    }

    private static void fail(String message) {
        System.err.println("hatchway: " + message);
        System.exit(2);
    }
}
