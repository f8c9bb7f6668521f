package io.hatchway.events;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UtcTimesTest {

    private final UtcTimes times = new UtcTimes();

    @Test
    void writesWhatInstantToStringWritesForEachFractionPrecision() {
        long second = Instant.parse("2026-11-22T02:58:02Z").getEpochSecond();
        for (int nanos : new int[] {0, 1, 9, 10, 999_999_999, 5_000_000, 120_000_000, 7_000, 123_456_000,
                123_456_789, 100_000_001, 500_000_000}) {
            Instant time = Instant.ofEpochSecond(second, nanos);
            assertEquals(time.toString(), times.format(time), "nanos " + nanos);
        }
    }

    @Test
    void writesWhatInstantToStringWritesAcrossSecondsDaysAndYears() {
        SplittableRandom random = new SplittableRandom(42);
        Instant previous = Instant.parse("1999-12-31T23:59:59.999999999Z");
        for (int i = 0; i < 20_000; i++) {
            // Mostly the same or the next second, sometimes a jump anywhere up to year 9999, or back in time.
            long seconds = switch (random.nextInt(4)) {
                case 0 -> previous.getEpochSecond();
                case 1 -> previous.getEpochSecond() + 1;
                case 2 -> random.nextLong(0, 253_402_300_799L);
                default -> previous.getEpochSecond() - random.nextLong(0, 100_000);
            };
            int nanos = switch (random.nextInt(3)) {
                case 0 -> random.nextInt(1_000) * 1_000_000;
                case 1 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant time = Instant.ofEpochSecond(seconds, nanos);
            assertEquals(time.toString(), times.format(time));
            previous = time;
        }
    }
}
