package io.hatchway.bench;

/**
 * Reads back what a sink holds, incrementally: each call reads what arrived since the previous one. Used by one
 * thread.
 */
interface SinkReader extends AutoCloseable {

    /**
     * Scans what arrived since the last call for the run's ids.
     *
     * @return how many ids were found in this call
     * @throws Exception if the sink cannot be read
     */
    long readMore(MessageIdScanner scanner, MessageIdScanner.IdConsumer consumer) throws Exception;

    /** What is read, for the summary: {@code file:events.jsonl}, {@code kafka:localhost:9092/events-my-app}. */
    String describe();

    @Override
    void close();
}
