package io.hatchway.bench;

import sun.misc.Signal;

/**
 * Turns the first Ctrl-C (SIGINT) or SIGTERM into a {@link StopSignal}, so a soak run still prints its summary and
 * verifies the sink; a second one exits at once with status 130.
 */
final class Interrupts {

    private Interrupts() {
    }

    static void onInterrupt(StopSignal stop) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (stop.stopped()) {
                        Runtime.getRuntime().halt(130);
                    }
                    System.err.println();
                    System.err.println("hatchway-bench: stopping (again to exit at once)");
                    stop.stop();
                });
            } catch (IllegalArgumentException e) {
                // the signal is not available on this platform: the JVM's default handling stays
            }
        }
    }
}
