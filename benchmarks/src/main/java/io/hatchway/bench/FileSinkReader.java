package io.hatchway.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads Hatchway's file sink (one CloudEvent JSON per line) from where the previous call stopped. Only complete
 * lines are scanned: a line still being written is read on a later call.
 */
final class FileSinkReader implements SinkReader {

    private static final int CHUNK = 1 << 20;

    private final Path file;
    private long offset;
    private byte[] carry = new byte[0];

    FileSinkReader(Path file) {
        this.file = file;
    }

    @Override
    public long readMore(MessageIdScanner scanner, MessageIdScanner.IdConsumer consumer) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        long found = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            while (true) {
                buffer.clear();
                int read = channel.read(buffer, offset);
                if (read <= 0) {
                    return found;
                }
                offset += read;
                byte[] bytes = new byte[carry.length + read];
                System.arraycopy(carry, 0, bytes, 0, carry.length);
                System.arraycopy(buffer.array(), 0, bytes, carry.length, read);
                int lineStart = 0;
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] == '\n') {
                        found += scanner.scan(bytes, lineStart, i, consumer);
                        lineStart = i + 1;
                    }
                }
                carry = Arrays.copyOfRange(bytes, lineStart, bytes.length);
            }
        }
    }

    @Override
    public String describe() {
        return "file:" + file;
    }

    @Override
    public void close() {
        // nothing held between calls
    }
}
