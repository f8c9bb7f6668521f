package io.hatchway.bench;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * The payload of every publish: one JSON object carrying a unique message id, run + device index + sequence,
 * padded to the requested size with a string member, e.g. {@code {"run":"k3v9q2mx","d":12,"s":3456,"p":"xxxx"}}.
 * Being JSON, Hatchway embeds it unchanged as the CloudEvent's {@code data}, and the Kafka binary mode carries it as
 * the record value, so {@link MessageIdScanner} finds the id again in either sink.
 *
 * <p>Immutable and thread-safe.
 */
public final class PayloadFormat {

    /** Length of a run id. */
    public static final int RUN_ID_LENGTH = 8;
    /** Sequences are non-negative ints; this many digits at most. */
    static final int MAX_SEQUENCE_DIGITS = 10;

    private static final char[] RUN_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final byte[] SEQUENCE = bytes(",\"s\":");
    private static final byte[] PADDING_START = bytes(",\"p\":\"");
    private static final byte[] END = bytes("\"}");

    private final String runId;
    private final int size;

    /**
     * @param runId the run id, {@value #RUN_ID_LENGTH} characters from {@code [a-z0-9]}
     * @param size  every payload's size in bytes
     * @throws IllegalArgumentException if a malformed run id, or if {@code size} is below {@link #minimumSize}
     *                                  for one device
     */
    public PayloadFormat(String runId, int size) {
        Objects.requireNonNull(runId, "runId");
        if (!runId.matches("[a-z0-9]{" + RUN_ID_LENGTH + "}")) {
            throw new IllegalArgumentException("run id must be " + RUN_ID_LENGTH + " characters of [a-z0-9]: " + runId);
        }
        if (size < minimumSize(1)) {
            throw new IllegalArgumentException("payload size " + size + " below " + minimumSize(1));
        }
        this.runId = runId;
        this.size = size;
    }

    /** A fresh random run id. */
    public static String newRunId() {
        SecureRandom random = new SecureRandom();
        char[] id = new char[RUN_ID_LENGTH];
        for (int i = 0; i < id.length; i++) {
            id[i] = RUN_ID_CHARS[random.nextInt(RUN_ID_CHARS.length)];
        }
        return new String(id);
    }

    /** The smallest payload that holds every id of a run with {@code devices} devices. */
    public static int minimumSize(int devices) {
        return prefix("x".repeat(RUN_ID_LENGTH), Math.max(0, devices - 1)).length + SEQUENCE.length
                + MAX_SEQUENCE_DIGITS + PADDING_START.length + END.length;
    }

    public String runId() {
        return runId;
    }

    public int size() {
        return size;
    }

    /** The part of every payload of {@code device} before its sequence; compute once per device. */
    public byte[] devicePrefix(int device) {
        return prefix(runId, device);
    }

    /**
     * The payload of message {@code sequence} of the device whose {@link #devicePrefix} is given.
     *
     * @throws IllegalArgumentException if the id does not fit into {@link #size()}
     */
    public byte[] payload(byte[] devicePrefix, int sequence) {
        byte[] out = new byte[size];
        int at = 0;
        System.arraycopy(devicePrefix, 0, out, at, devicePrefix.length);
        at += devicePrefix.length;
        System.arraycopy(SEQUENCE, 0, out, at, SEQUENCE.length);
        at += SEQUENCE.length;
        at = writeDigits(out, at, sequence);
        System.arraycopy(PADDING_START, 0, out, at, PADDING_START.length);
        at += PADDING_START.length;
        int padding = size - at - END.length;
        if (padding < 0) {
            throw new IllegalArgumentException("payload size " + size + " too small for the id");
        }
        Arrays.fill(out, at, at + padding, (byte) 'x');
        at += padding;
        System.arraycopy(END, 0, out, at, END.length);
        return out;
    }

    private static byte[] prefix(String runId, int device) {
        return bytes("{\"run\":\"" + runId + "\",\"d\":" + device);
    }

    private static int writeDigits(byte[] out, int at, int value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative sequence " + value);
        }
        int digits = 1;
        for (int rest = value / 10; rest > 0; rest /= 10) {
            digits++;
        }
        for (int i = at + digits - 1; i >= at; i--) {
            out[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + digits;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
