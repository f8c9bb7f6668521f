package io.hatchway.commands;

/**
 * What became of a command.
 *
 * @param outcome    the outcome
 * @param recipients how many connections it was written to
 */
public record Delivery(Outcome outcome, int recipients) {

    public enum Outcome {
        /** Written to {@code recipients} connections of this instance. */
        DELIVERED,
        /** Accepted by Kafka, for every instance to deliver to its connections. */
        PUBLISHED,
        UNKNOWN_APPLICATION, UNKNOWN_DEVICE, NOT_SUBSCRIBED
    }

    public static Delivery of(Outcome outcome) {
        return new Delivery(outcome, 0);
    }
}
