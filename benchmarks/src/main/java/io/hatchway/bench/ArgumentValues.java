package io.hatchway.bench;

import io.hatchway.config.Durations;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Typed access to the raw {@code --name value} pairs of a command line, remembering which were read so that an
 * option that does not apply is refused rather than ignored.
 */
final class ArgumentValues {


    private final Map<String, String> values;
    private final Set<String> used;

    /**
     * @param values the pairs; flags map to an empty string
     * @param flags  option names without a value, never reported as unused
     */
    ArgumentValues(Map<String, String> values, Set<String> flags) {
        this.values = values;
        this.used = new HashSet<>(flags);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) throws UsageException {
        used.add(name);
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        if (value.isEmpty()) {
            throw new UsageException("--" + name + " must not be empty");
        }
        return value;
    }

    Optional<Path> path(String name) throws UsageException {
        return has(name) ? Optional.of(Path.of(string(name, ""))) : Optional.empty();
    }

    int integer(String name, int fallback, int min, int max) throws UsageException {
        return (int) longInteger(name, fallback, min, max);
    }

    long longInteger(String name, long fallback, long min, long max) throws UsageException {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + ": expected an integer from " + min + " to " + max + ", got '"
                    + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new UsageException("--" + name + ": expected an integer from " + min + " to " + max + ", got "
                    + parsed);
        }
        return parsed;
    }

    double decimal(String name, double fallback) throws UsageException {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            double parsed = Double.parseDouble(value);
            if (parsed >= 0 && Double.isFinite(parsed)) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--" + name + ": expected a number >= 0, got '" + value + "'");
    }

    Duration duration(String name, Duration fallback) throws UsageException {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--" + name + ": expected a duration such as 500ms, 30s, 5m or 1h, got '"
                    + value + "'");
        }
    }

    <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) throws UsageException {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder accepted = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                accepted.append(accepted.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
            }
            throw new UsageException("--" + name + ": expected one of " + accepted + ", got '" + value + "'");
        }
    }

    void requireAllUsed() throws UsageException {
        for (String name : values.keySet()) {
            if (!used.contains(name)) {
                throw new UsageException("--" + name + " does not apply here");
            }
        }
    }
}
