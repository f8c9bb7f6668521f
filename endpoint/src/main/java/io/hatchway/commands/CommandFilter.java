package io.hatchway.commands;

import java.util.Optional;

/**
 * A SUBSCRIBE filter a device may use to receive commands, in the Drogue V1 dialect.
 * <ul>
 *     <li>{@code command/inbox/#}, {@code command/inbox/+/#}: the device itself and every device it is a gateway
 *     for ({@link All});</li>
 *     <li>{@code command/inbox//#}: the device itself ({@link Self});</li>
 *     <li>{@code command/inbox/<device>/#}: that device, by name or alias ({@link ForDevice}).</li>
 * </ul>
 */
public sealed interface CommandFilter {

    String PREFIX = "command/inbox/";

    record All() implements CommandFilter {
    }

    record Self() implements CommandFilter {
    }

    /** @param device the device as written in the filter (name or alias) */
    record ForDevice(String device) implements CommandFilter {
    }

    /**
     * A filter of a connection whose dialect has its own command topic: it receives every command whose rendered
     * topic it matches (standard {@code +}/{@code #} matching).
     */
    record Matching(String filter) implements CommandFilter {
    }

    /** The filter's meaning, or empty when it is not a command filter this endpoint serves. */
    static Optional<CommandFilter> parse(String filter) {
        if (!filter.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = filter.substring(PREFIX.length());
        if (rest.equals("#") || rest.equals("+/#")) {
            return Optional.of(new All());
        }
        if (rest.equals("/#")) {
            return Optional.of(new Self());
        }
        if (rest.endsWith("/#")) {
            String device = rest.substring(0, rest.length() - 2);
            if (!device.isEmpty() && device.indexOf('/') < 0 && device.indexOf('+') < 0 && device.indexOf('#') < 0) {
                return Optional.of(new ForDevice(device));
            }
        }
        return Optional.empty();
    }
}
