package io.hatchway.mqtt;

import io.hatchway.registry.Application;
import io.hatchway.registry.ApplicationMqtt.RateLimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The applications' publish rate limits ({@code spec.mqtt.rateLimit}): one token bucket per application, shared by
 * all its connections, refilled at the configured messages and payload bytes per second and holding at most one
 * second's worth. A changed limit (a registry change) applies to the bucket as it is, its tokens capped at the new
 * capacity: connections opened before the change still carry the old limit, and alternating between the two must not
 * refill it. Thread-safe.
 */
public final class PublishQuotas {

    /** {@link #take} could not take the publish: over the limit. */
    static final long REFUSED = -1;

    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * Takes one message of {@code bytes} payload bytes from the application's bucket, at {@code nowNanos}.
     *
     * @param mayWait true: the publish is taken even beyond the limit (the bucket goes into debt) and the result
     *                says how long the connection should not be read so that the debt is repaid; false: beyond the
     *                limit nothing is taken and the result is {@link #REFUSED}
     * @return 0 within the limit, else nanoseconds to pause, or {@link #REFUSED}
     */
    long take(Application application, int bytes, boolean mayWait, long nowNanos) {
        RateLimit limit = application.mqtt().rateLimit().orElse(null);
        if (limit == null) {
            return 0;
        }
        Bucket bucket = buckets.get(application.name());
        if (bucket == null) {
            bucket = buckets.computeIfAbsent(application.name(), name -> new Bucket(limit, nowNanos));
        }
        return bucket.take(limit, bytes, mayWait, nowNanos);
    }

    /** Messages and bytes, taken together; amounts are in units of 1e-9 message or byte so refills stay exact enough. */
    private static final class Bucket {
        private static final double NANOS = 1e9;

        private RateLimit limit;
        private double messages;
        private double bytes;
        private long refilled;

        Bucket(RateLimit limit, long nowNanos) {
            this.limit = limit;
            this.messages = limit.messagesPerSecond() * NANOS;
            this.bytes = limit.bytesPerSecond() * NANOS;
            this.refilled = nowNanos;
        }

        synchronized long take(RateLimit current, int size, boolean mayWait, long nowNanos) {
            limit = current;
            long elapsed = Math.max(0, nowNanos - refilled);
            refilled = Math.max(refilled, nowNanos);
            double messageCapacity = limit.messagesPerSecond() * NANOS;
            double byteCapacity = limit.bytesPerSecond() * NANOS;
            messages = Math.min(messageCapacity, messages + elapsed * (double) limit.messagesPerSecond());
            bytes = Math.min(byteCapacity, bytes + elapsed * (double) limit.bytesPerSecond());
            double messageCost = NANOS;
            double byteCost = size * NANOS;
            // A payload above one second's worth of bytes passes when the bucket is full, then leaves it in debt.
            boolean within = messages >= messageCost && bytes >= Math.min(byteCost, byteCapacity);
            if (!within && !mayWait) {
                return REFUSED;
            }
            messages -= messageCost;
            bytes -= byteCost;
            double messageWait = messages >= 0 ? 0 : -messages / limit.messagesPerSecond();
            double byteWait = bytes >= 0 ? 0 : -bytes / limit.bytesPerSecond();
            return (long) Math.ceil(Math.max(messageWait, byteWait));
        }
    }
}
