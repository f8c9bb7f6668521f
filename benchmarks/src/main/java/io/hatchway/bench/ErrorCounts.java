package io.hatchway.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Errors of a run counted by reason ({@link LoadFailure#reason()}). Thread-safe. */
public final class ErrorCounts {

    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

    public void add(String reason) {
        counts.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public void add(Throwable failure) {
        add(LoadFailure.reasonOf(failure));
    }

    /** The counts so far, sorted by reason. */
    public Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((reason, count) -> copy.put(reason, count.sum()));
        return copy;
    }
}
