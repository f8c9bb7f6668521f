package io.hatchway.bench;

import java.nio.charset.StandardCharsets;

/**
 * Finds the message ids of one run ({@link PayloadFormat}) in bytes read back from a sink: a file sink line, a Kafka
 * record value in binary mode (the payload itself) or structured mode (the event JSON). Looks for the literal id
 * prefix rather than parsing JSON, as a soak run reads millions of lines; ids of other runs are skipped.
 *
 * <p>Immutable and thread-safe.
 */
public final class MessageIdScanner {

    /** Receives each id found. */
    @FunctionalInterface
    public interface IdConsumer {
        void accept(int device, int sequence);
    }

    private static final byte[] SEQUENCE = ",\"s\":".getBytes(StandardCharsets.US_ASCII);

    private final byte[] marker;

    public MessageIdScanner(String runId) {
        this.marker = ("{\"run\":\"" + runId + "\",\"d\":").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reports every id of this run in {@code bytes[from, to)}.
     *
     * @return how many ids were found
     */
    public int scan(byte[] bytes, int from, int to, IdConsumer consumer) {
        int found = 0;
        int at = indexOf(bytes, from, to, marker);
        while (at >= 0) {
            int i = at + marker.length;
            long device = 0;
            int deviceStart = i;
            while (i < to && isDigit(bytes[i]) && i - deviceStart < 10) {
                device = device * 10 + (bytes[i++] - '0');
            }
            if (i > deviceStart && startsWith(bytes, i, to, SEQUENCE)) {
                i += SEQUENCE.length;
                long sequence = 0;
                int sequenceStart = i;
                while (i < to && isDigit(bytes[i]) && i - sequenceStart < PayloadFormat.MAX_SEQUENCE_DIGITS) {
                    sequence = sequence * 10 + (bytes[i++] - '0');
                }
                if (i > sequenceStart && device <= Integer.MAX_VALUE && sequence <= Integer.MAX_VALUE) {
                    consumer.accept((int) device, (int) sequence);
                    found++;
                }
            }
            at = indexOf(bytes, Math.max(i, at + 1), to, marker);
        }
        return found;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean startsWith(byte[] bytes, int at, int to, byte[] prefix) {
        if (to - at < prefix.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (bytes[at + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, int from, int to, byte[] needle) {
        byte first = needle[0];
        for (int i = from; i <= to - needle.length; i++) {
            if (bytes[i] == first && startsWith(bytes, i, to, needle)) {
                return i;
            }
        }
        return -1;
    }
}
