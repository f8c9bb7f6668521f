package io.hatchway.events;

import java.time.Instant;

/**
 * The RFC 3339 text of instants in UTC, exactly as {@link Instant#toString()} writes it
 * ({@code 2026-11-22T02:58:02.123456Z}: seconds always, then 0, 3, 6 or 9 fraction digits), at a fraction of its
 * cost: the text up to the second is kept from the previous call, and the events written in one second share it.
 *
 * <p>Not thread-safe: one per writer thread.
 */
final class UtcTimes {

    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
            100_000_000, 1_000_000_000};

    private long second = Long.MIN_VALUE;
    /** {@code Instant.ofEpochSecond(second).toString()} without its {@code 'Z'}. */
    private String upToSecond = "";

    String format(Instant time) {
        if (time.getEpochSecond() != second) {
            String whole = Instant.ofEpochSecond(time.getEpochSecond()).toString();
            upToSecond = whole.substring(0, whole.length() - 1);
            second = time.getEpochSecond();
        }
        int nanos = time.getNano();
        if (nanos == 0) {
            return upToSecond + 'Z';
        }
        int value = nanos;
        int digits = 9;
        if (nanos % 1_000_000 == 0) {
            value = nanos / 1_000_000;
            digits = 3;
        } else if (nanos % 1_000 == 0) {
            value = nanos / 1_000;
            digits = 6;
        }
        // Adding 10^digits gives the leading zeros: 1000 + 5 = "1005", of which "005" is the fraction.
        String padded = Integer.toString(value + POWERS_OF_TEN[digits]);
        return new StringBuilder(upToSecond.length() + digits + 2).append(upToSecond).append('.')
                .append(padded, 1, padded.length()).append('Z').toString();
    }
}
