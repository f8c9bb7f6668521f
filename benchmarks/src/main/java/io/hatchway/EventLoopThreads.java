package io.hatchway;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs JMH's benchmark threads as Netty {@link io.netty.util.concurrent.FastThreadLocalThread}s, like the event loop
 * threads the measured code runs on in production. Netty 4.2 pools recycled objects (outbound buffer entries, pooled
 * slices, ...) only on such threads: on JMH's plain threads every one would be a fresh allocation that the server
 * does not make. Selected per benchmark class with {@link #EXECUTOR} and {@link #EXECUTOR_CLASS} in
 * {@code @Fork(jvmArgsAppend = ...)}; in-process runs ({@code forks(0)}) keep JMH's own threads.
 */
public final class EventLoopThreads extends ThreadPoolExecutor {

    /** The JVM options that make JMH use this executor (its {@code jmh.executor=CUSTOM} hook). */
    public static final String EXECUTOR = "-Djmh.executor=CUSTOM";
    public static final String EXECUTOR_CLASS = "-Djmh.executor.class=io.hatchway.EventLoopThreads";

    /** Called by JMH with the number of benchmark threads and their name prefix. */
    public EventLoopThreads(int threads, String prefix) {
        super(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
