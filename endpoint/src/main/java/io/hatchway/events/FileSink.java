package io.hatchway.events;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * Appends events to a file, one CloudEvents JSON line per event (see {@link BatchingSink} for the group commit and
 * {@code EventLines} for the line format). An event's future completes normally once its line has been written and
 * the file forced to the storage device ({@link FileChannel#force(boolean) force(false)}), so "durably accepted"
 * means it survives a crash of the process and of the operating system.
 *
 * <p>The file and its parent directories are created if missing when the first batch is written, not by the
 * constructor, so a file that cannot be opened shows as failed sends. After a failed write the file is reopened for the
 * next batch, and truncated back to the end of the last successful batch if it is still the same file, so that a
 * failed batch leaves no partial line behind.
 *
 * <p>Thread-safe as stated by {@link EventSink}; the file is only touched by the sink's writer thread.
 */
public final class FileSink extends BatchingSink {

    private static final Logger LOG = LoggerFactory.getLogger(FileSink.class);

    private final Path file;

    // Writer thread only.
    private FileChannel channel;
    private Object fileKey;
    private long committedSize = -1;

    /**
     * @param file the file to append to
     * @param capacity how many events may wait to be written before sends fail with {@link SinkFullException}
     */
    public FileSink(Path file, int capacity) {
        super("file", capacity);
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
        start();
    }

    @Override
    void writeBatch(ByteBuffer batch) throws IOException {
        FileChannel out = open();
        try {
            while (batch.hasRemaining()) {
                out.write(batch);
            }
            out.force(false);
            committedSize = out.size();
        } catch (IOException | RuntimeException e) {
            closeChannel();
            throw e;
        }
    }

    @Override
    void closeOutput() throws IOException {
        if (channel != null) {
            FileChannel out = channel;
            channel = null;
            out.close();
        }
    }

    private FileChannel open() throws IOException {
        if (channel != null) {
            return channel;
        }
        Path parent = file.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            long size = out.size();
            boolean sameFile = key != null && key.equals(fileKey);
            if (sameFile && committedSize >= 0 && size > committedSize) {
                out.truncate(committedSize);
            } else if (!sameFile) {
                committedSize = size;
            }
            fileKey = key;
        } catch (IOException | RuntimeException e) {
            out.close();
            throw e;
        }
        channel = out;
        return out;
    }

    private void closeChannel() {
        try {
            closeOutput();
        } catch (IOException e) {
            // The write already failed; that failure is what gets reported.
            LOG.debug("Closing {} after a failed write failed too", file, e);
        }
    }
}
