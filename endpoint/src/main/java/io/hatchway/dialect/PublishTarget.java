package io.hatchway.dialect;

import java.util.Objects;

/**
 * Where a PUBLISH goes, as read from its topic by a dialect.
 *
 * @param channel the event's channel (its CloudEvent {@code subject})
 * @param device  the device the event is for, as written in the topic (a name or an alias), or null when the
 *                connected device publishes for itself
 */
public record PublishTarget(String channel, String device) {
    public PublishTarget {
        Objects.requireNonNull(channel, "channel");
    }

    public boolean forSelf() {
        return device == null;
    }
}
