package io.hatchway.commands;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The command subscriptions of one connection: an immutable value, replaced as a whole on SUBSCRIBE and
 * UNSUBSCRIBE so the command path may read it from any thread.
 *
 * @param byFilter the accepted filters, by their text; {@link CommandFilter.ForDevice} entries hold the device's
 *                 registry name, and {@code segment} keeps the name or alias the filter was written with
 */
public record CommandSubscriptions(Map<String, Entry> byFilter) {

    public static final CommandSubscriptions NONE = new CommandSubscriptions(Map.of());

    /**
     * @param filter  what the filter means
     * @param device  for {@link CommandFilter.ForDevice}: the registry name of the device; for
     *                {@link CommandFilter.Matching}: the device reference (name or alias) the filter pins, if any;
     *                null otherwise
     */
    public record Entry(CommandFilter filter, String device) {
    }

    public CommandSubscriptions {
        byFilter = Map.copyOf(byFilter);
    }

    public CommandSubscriptions with(String filter, Entry entry) {
        Map<String, Entry> next = new LinkedHashMap<>(byFilter);
        next.put(filter, entry);
        return new CommandSubscriptions(next);
    }

    public CommandSubscriptions without(String filter) {
        Map<String, Entry> next = new LinkedHashMap<>(byFilter);
        next.remove(filter);
        return new CommandSubscriptions(next);
    }

    public boolean contains(String filter) {
        return byFilter.containsKey(filter);
    }

    /**
     * The command-inbox topic a command named {@code command} for {@code device} must be published on to match one
     * of these subscriptions, given that the connection's own device is {@code self}; empty when none matches.
     */
    public Optional<String> topicFor(String self, String device, String command) {
        boolean forSelf = device.equals(self);
        String explicit = null;
        boolean all = false;
        for (Map.Entry<String, Entry> e : byFilter.entrySet()) {
            CommandFilter filter = e.getValue().filter();
            if (filter instanceof CommandFilter.All) {
                all = true;
            } else if (filter instanceof CommandFilter.Self && forSelf) {
                return Optional.of(CommandFilter.PREFIX + "/" + command);
            } else if (filter instanceof CommandFilter.ForDevice f && device.equals(e.getValue().device())) {
                explicit = f.device();
            }
        }
        if (all) {
            return Optional.of(CommandFilter.PREFIX + (forSelf ? "" : device) + "/" + command);
        }
        return Optional.ofNullable(explicit).map(segment -> CommandFilter.PREFIX + segment + "/" + command);
    }
}
