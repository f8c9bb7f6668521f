package io.hatchway.events;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Writes events to an output stream (standard output in production), one CloudEvents JSON line per event, with the
 * same group commit as {@link FileSink} (see {@link BatchingSink}). An event's future completes normally once its line
 * has been written and the stream flushed; that is all the durability a stream offers, which suits development and
 * log-shipping setups.
 *
 * <p>A {@link PrintStream} reports errors only through {@link PrintStream#checkError()}; once it has reported one,
 * every later batch fails too, since a print stream's error state cannot be cleared from outside.
 *
 * <p>Thread-safe as stated by {@link EventSink}; the stream is only written by the sink's writer thread, so nobody else
 * should write to it meanwhile. {@link #close()} flushes the stream but does not close it: the caller owns it.
 */
public final class StdoutSink extends BatchingSink {

    /** The queue capacity of {@link #StdoutSink(OutputStream)}. */
    public static final int DEFAULT_CAPACITY = 10_000;

    private final OutputStream out;

    /**
     * @param out the stream to write lines to, e.g. {@code System.out}
     * @param capacity how many events may wait to be written before sends fail with {@link SinkFullException}
     */
    public StdoutSink(OutputStream out, int capacity) {
        super("stdout", capacity);
        this.out = Objects.requireNonNull(out, "out");
        start();
    }

    /**
     * A sink with room for {@value #DEFAULT_CAPACITY} queued events.
     *
     * @param out the stream to write lines to, e.g. {@code System.out}
     */
    public StdoutSink(OutputStream out) {
        this(out, DEFAULT_CAPACITY);
    }

    @Override
    void writeBatch(ByteBuffer batch) throws IOException {
        out.write(batch.array(), batch.arrayOffset() + batch.position(), batch.remaining());
        out.flush();
        if (out instanceof PrintStream print && print.checkError()) {
            throw new IOException("the print stream reported an error");
        }
    }

    @Override
    void closeOutput() throws IOException {
        out.flush();
    }
}
