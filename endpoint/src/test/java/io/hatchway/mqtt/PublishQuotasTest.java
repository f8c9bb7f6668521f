package io.hatchway.mqtt;

import io.hatchway.registry.Application;
import io.hatchway.registry.ApplicationMqtt;
import io.hatchway.registry.ApplicationMqtt.RateLimit;
import io.hatchway.registry.Dialect;
import io.hatchway.registry.Takeover;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The per-application token bucket, with a clock the test moves. */
class PublishQuotasTest {

    private static final long SECOND = 1_000_000_000L;

    private final PublishQuotas quotas = new PublishQuotas();

    @Test
    void oneSecondsWorthPassesThenTheNextIsRefusedUntilTheBucketRefills() {
        Application app = app(new RateLimit(4, 1_000_000));
        for (int i = 0; i < 4; i++) {
            assertEquals(0, quotas.take(app, 10, false, 0));
        }
        assertEquals(PublishQuotas.REFUSED, quotas.take(app, 10, false, 0));
        assertEquals(0, quotas.take(app, 10, false, SECOND / 4));
    }

    @Test
    void connectionsWithTheOldAndTheNewLimitDoNotRefillTheBucketByTurns() {
        Application before = app(new RateLimit(4, 1_000_000));
        Application after = app(new RateLimit(5, 1_000_000)); // the registry changed; older connections keep before
        for (int i = 0; i < 4; i++) {
            assertEquals(0, quotas.take(before, 10, false, 0));
        }
        assertEquals(PublishQuotas.REFUSED, quotas.take(after, 10, false, 0));
        assertEquals(PublishQuotas.REFUSED, quotas.take(before, 10, false, 0));
        assertEquals(PublishQuotas.REFUSED, quotas.take(after, 10, false, 0));
    }

    private static Application app(RateLimit limit) {
        ApplicationMqtt mqtt = new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ofSeconds(120), Takeover.REPLACE,
                Integer.MAX_VALUE, Integer.MAX_VALUE, Optional.of(limit));
        return new Application("rate-app", false, List.of(), mqtt);
    }
}
