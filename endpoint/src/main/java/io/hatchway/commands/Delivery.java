package io.hatchway.commands;

/**
 * What became of a command.
 *
 * @param outcome    the outcome
 * @param recipients how many connections it was written to
 */
public record Delivery(Outcome outcome, int recipients) {

    public enum Outcome {
        DELIVERED, UNKNOWN_APPLICATION, UNKNOWN_DEVICE, NOT_SUBSCRIBED
    }

    public static Delivery of(Outcome outcome) {
        return new Delivery(outcome, 0);
    }
}
