package io.hatchway.events;

import io.cloudevents.CloudEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link EventSink} that writes CloudEvents JSON lines with group commit: senders only offer to a bounded queue;
 * one writer thread takes whatever has queued up (at most {@value #MAX_BATCH_EVENTS} events), serialises the batch
 * into one buffer, hands it to {@link #writeBatch} in one call (which writes and flushes or forces it), and then
 * completes the batch's futures in queue order. Under load one write and one flush cover many events.
 *
 * <p>Besides the guarantees of {@link EventSink}: an event that cannot be serialised fails alone; a failed write fails
 * the whole batch with {@link SinkException} and the writer carries on with the next batch. {@link #batches()} and
 * {@link #events()} may be read from any thread.
 *
 * <p>Subclasses are the sinks of this package; they call {@link #start()} at the end of their constructor.
 */
public abstract class BatchingSink implements EventSink {

    /** Upper bound of events per batch, which bounds the batch buffer and the latency of the first event in it. */
    static final int MAX_BATCH_EVENTS = 1024;

    /** Batch buffers that grew beyond this (large payloads) are dropped after use instead of being kept. */
    private static final int MAX_RETAINED_BUFFER = 4 * 1024 * 1024;
    private static final int INITIAL_BUFFER = 64 * 1024;

    /** Queued by {@link #close()} to wake a writer waiting on an empty queue; carries no event. */
    private static final Pending WAKE_UP = new Pending(null, null);

    private static final Logger LOG = LoggerFactory.getLogger(BatchingSink.class);

    private final String name;
    private final int capacity;
    private final BlockingQueue<Pending> queue;
    private final EventLines lines = new EventLines();
    private final Thread writer;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    private volatile Throwable closeFailure;

    // Written only by the writer thread; volatile so that any thread reads a recent value.
    private volatile long batches;
    private volatile long events;

    /**
     * @param name the sink's name, used for the writer thread and in messages
     * @param capacity how many events may wait in the queue; at least 1
     */
    BatchingSink(String name, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = new Thread(this::runWriter, "hatchway-" + name + "-writer");
        this.writer.setDaemon(true);
    }

    /** Starts the writer thread; called once by the subclass constructor after its own fields are set. */
    final void start() {
        writer.start();
    }

    /**
     * Writes one batch of complete lines and makes it durable (forces or flushes it). Called on the writer thread
     * only, never concurrently.
     *
     * @param batch the serialised events, one line each; its position is the start
     * @throws IOException if the batch may not have been stored; its events are then failed
     */
    abstract void writeBatch(ByteBuffer batch) throws IOException;

    /**
     * Releases the output after the last batch. Called once on the writer thread.
     *
     * @throws IOException if releasing failed; reported by {@link #close()}
     */
    abstract void closeOutput() throws IOException;

    @Override
    public final CompletableFuture<Void> send(CloudEvent event) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            return CompletableFuture.failedFuture(new SinkException("sink '" + name + "' is closed"));
        }
        Pending pending = new Pending(event, new CompletableFuture<>());
        if (!queue.offer(pending)) {
            return CompletableFuture.failedFuture(
                    new SinkFullException("sink '" + name + "' is full (" + capacity + " events queued)"));
        }
        // The writer may have finished its final drain between the check above and the offer; if so, take the
        // event back. If it is no longer in the queue, the writer has it and will complete it.
        if (closed && queue.remove(pending)) {
            pending.future().completeExceptionally(new SinkException("sink '" + name + "' is closed"));
        }
        return pending.future();
    }

    /**
     * Stops accepting events, waits until every queued event has been written and its future completed, and closes
     * the output. If called on the writer thread (from a completion callback), it only initiates the close.
     *
     * @throws SinkException if closing the output failed
     */
    @Override
    public final void close() {
        if (closing.compareAndSet(false, true)) {
            closed = true;
            // Wakes a writer blocked on an empty queue; if the queue is full, the writer is not blocked.
            queue.offer(WAKE_UP);
        }
        if (Thread.currentThread() == writer) {
            return;
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkException("interrupted while closing sink '" + name + "'", e);
        }
        Throwable failure = closeFailure;
        if (failure != null) {
            throw new SinkException("closing sink '" + name + "' failed", failure);
        }
    }

    /**
     * @return how many batches have been written successfully so far
     */
    public final long batches() {
        return batches;
    }

    /**
     * @return how many events have been written successfully so far
     */
    public final long events() {
        return events;
    }

    private void runWriter() {
        List<Pending> batch = new ArrayList<>(Math.min(capacity, MAX_BATCH_EVENTS));
        BatchBuffer buffer = new BatchBuffer(INITIAL_BUFFER);
        boolean failing = false;
        try {
            while (true) {
                Pending first = closed ? queue.poll() : queue.take();
                if (first == null) {
                    break;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH_EVENTS - 1);
                Exception failure = writeAndComplete(batch, buffer);
                if (failure != null && !failing) {
                    LOG.warn("Sink '{}' cannot write; failing events until it can again", name, failure);
                } else if (failure != null) {
                    LOG.debug("Sink '{}' still cannot write", name, failure);
                } else if (failing) {
                    LOG.info("Sink '{}' is writing again", name);
                }
                failing = failure != null;
                batch.clear();
                if (buffer.capacity() > MAX_RETAINED_BUFFER) {
                    buffer = new BatchBuffer(INITIAL_BUFFER);
                } else {
                    buffer.reset();
                }
            }
        } catch (InterruptedException e) {
            LOG.error("Writer of sink '{}' was interrupted; failing queued events", name);
        } catch (RuntimeException | Error e) {
            // Logged rather than rethrown: the sink is closed below, so every later send reports the failure.
            LOG.error("Writer of sink '{}' failed; failing queued events", name, e);
        } finally {
            closed = true;
            SinkException stopped = new SinkException("sink '" + name + "' stopped before writing the event");
            batch.forEach(pending -> {
                if (pending != null) {
                    pending.fail(stopped);
                }
            });
            for (Pending pending = queue.poll(); pending != null; pending = queue.poll()) {
                pending.fail(stopped);
            }
            try {
                closeOutput();
            } catch (IOException | RuntimeException e) {
                closeFailure = e;
                LOG.warn("Closing sink '{}' failed", name, e);
            }
        }
    }

    /** @return why writing the batch failed, or null if it was written (or there was nothing to write) */
    private Exception writeAndComplete(List<Pending> batch, BatchBuffer buffer) {
        int written = 0;
        for (int i = 0; i < batch.size(); i++) {
            Pending pending = batch.get(i);
            if (pending == WAKE_UP) {
                batch.set(i, null);
                continue;
            }
            int lineStart = buffer.size();
            try {
                lines.append(pending.event(), buffer);
                written++;
            } catch (RuntimeException e) {
                buffer.truncate(lineStart);
                batch.set(i, null);
                pending.fail(new SinkException("cannot serialise event " + pending.event().getId(), e));
            }
        }
        if (written == 0) {
            batch.clear();
            return null;
        }
        try {
            writeBatch(buffer.contents());
        } catch (IOException | RuntimeException e) {
            SinkException failure = new SinkException("sink '" + name + "' failed to write the event", e);
            batch.forEach(pending -> {
                if (pending != null) {
                    pending.fail(failure);
                }
            });
            batch.clear();
            return e;
        }
        batches++;
        events += written;
        for (Pending pending : batch) {
            if (pending != null) {
                pending.future().complete(null);
            }
        }
        batch.clear();
        return null;
    }

    private record Pending(CloudEvent event, CompletableFuture<Void> future) {

        void fail(SinkException failure) {
            if (future != null) {
                future.completeExceptionally(failure);
            }
        }
    }

    /** A byte buffer whose contents can be handed out without copying. Writer thread only. */
    private static final class BatchBuffer extends ByteArrayOutputStream {

        BatchBuffer(int size) {
            super(size);
        }

        ByteBuffer contents() {
            return ByteBuffer.wrap(buf, 0, count);
        }

        int capacity() {
            return buf.length;
        }

        /** Drops what was written after the first {@code size} bytes. */
        void truncate(int size) {
            count = size;
        }
    }
}
