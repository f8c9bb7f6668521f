package io.hatchway.events;

import java.util.Objects;

/**
 * Tells whether bytes are exactly one JSON value, without allocating.
 *
 * <p>Why it exists: {@link JsonPayloads#isJson} runs for every device publish. Validating with Jackson costs a new
 * {@code JsonParser} per payload (parsers cannot be reused), with its {@code IOContext}, parsing contexts and a child
 * symbol table, some 650 to 800 bytes and a few hundred nanoseconds per call. This class walks the byte array with
 * an {@code int} position instead and allocates nothing per call: no objects, no arrays, no exceptions (an invalid
 * payload just returns false).
 *
 * <p>What it accepts: strict RFC 8259 JSON text encoded in UTF-8, that is one value (object, array, string, number,
 * {@code true}, {@code false} or {@code null}) with optional whitespace (space, tab, line feed, carriage return)
 * around it. It rejects in particular: empty or blank input, a byte order mark, comments, trailing commas, single
 * quotes, {@code NaN} and {@code Infinity}, numbers with leading zeros or a bare {@code .} or exponent, unescaped
 * control characters (U+0000 to U+001F) in strings, escapes other than {@code \" \\ \/ \b \f \n \r \t \}{@code uXXXX},
 * and malformed UTF-8 anywhere (overlong forms, encoded surrogates, code points above U+10FFFF, truncated sequences,
 * stray continuation bytes). Like Jackson it accepts escaped lone surrogates such as {@code "\}{@code uD800"}.
 *
 * <p>Limits: RFC 8259 lets implementations bound nesting, numbers and strings. The bounds here are Jackson 2.18's
 * default {@code StreamReadConstraints}, nesting one level below, so that whatever this class accepts Jackson can
 * parse too, also embedded in an event line (the sinks re-parse accepted payloads with Jackson, see
 * {@link JsonPayloads#compact}):
 * <ul>
 *   <li>nesting depth at most {@value #MAX_DEPTH};</li>
 *   <li>at most {@value #MAX_NUMBER_DIGITS} digits per number (integer, fraction and exponent digits together,
 *       which is how Jackson counts);</li>
 *   <li>object member names at most {@value #MAX_NAME_BYTES} bytes as written between the quotes. Jackson bounds the
 *       UTF-8 length of the decoded name instead, which is never longer, so a name made long only by escapes may be
 *       rejected here and accepted by Jackson, never the other way round.</li>
 * </ul>
 * Containers are parsed by recursion, one small stack frame per nesting level (about 150 bytes interpreted, less
 * once compiled), so the depth bound also bounds the stack: the deepest accepted input needs some 150 KiB, well within
 * the default 1 MiB thread stack, and deeper input is rejected before it can overflow.
 *
 * <p>Stateless and thread-safe.
 */
final class JsonValidator {

    /**
     * One below Jackson 2.18's default {@code StreamReadConstraints.getMaxNestingDepth()} (1000): a value embedded as
     * the {@code data} of an event line is one level deeper there, and the line must stay readable by Jackson.
     */
    static final int MAX_DEPTH = 999;

    /** Jackson 2.18's default {@code StreamReadConstraints.getMaxNumberLength()}. */
    static final int MAX_NUMBER_DIGITS = 1000;

    /** Jackson 2.18's default {@code StreamReadConstraints.getMaxNameLength()}. */
    static final int MAX_NAME_BYTES = 50_000;

    /** Returned instead of a position when the input is not valid; every caller checks for a negative position. */
    private static final int INVALID = -1;

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    /**
     * Indexed by an unsigned byte: true for the bytes a string may contain as they are, that is printable ASCII and
     * DEL other than {@code "} and {@code \}. Control characters, quote, backslash and non-ASCII bytes take the
     * slow path in {@link #string}.
     */
    private static final boolean[] PLAIN_STRING_BYTE = new boolean[256];

    static {
        for (int c = ' '; c <= 0x7F; c++) {
            PLAIN_STRING_BYTE[c] = c != '"' && c != '\\';
        }
    }

    private JsonValidator() {
    }

    /**
     * Tells whether the whole array is exactly one JSON value, see the class description.
     *
     * @param bytes the raw payload
     * @return true if the payload is a single JSON value
     */
    static boolean isJson(byte[] bytes) {
        return isJson(bytes, 0, bytes.length);
    }

    /**
     * Tells whether {@code bytes[from, to)} is exactly one JSON value, see the class description.
     *
     * @param bytes the raw payload
     * @param from the first index, inclusive
     * @param to the end index, exclusive
     * @return true if the range holds a single JSON value
     * @throws IndexOutOfBoundsException if the range is not within the array
     */
    static boolean isJson(byte[] bytes, int from, int to) {
        Objects.checkFromToIndex(from, to, bytes.length);
        int i = skipWhitespace(bytes, from, to);
        if (i == to) {
            return false;
        }
        byte c = bytes[i];
        i = c == '{' || c == '[' ? container(bytes, i + 1, to, 1, c == '{') : scalar(bytes, i, to);
        return i >= 0 && skipWhitespace(bytes, i, to) == to;
    }

    /**
     * Parses the members of an object or the elements of an array, from just after the opening bracket up to and
     * including the closing one. Nested containers recurse directly, so each nesting level costs one frame.
     *
     * @return the position after the closing bracket, or {@link #INVALID}
     */
    private static int container(byte[] b, int i, int to, int depth, boolean object) {
        if (depth > MAX_DEPTH) {
            return INVALID;
        }
        byte close = object ? (byte) '}' : (byte) ']';
        i = skipWhitespace(b, i, to);
        if (i < to && b[i] == close) {
            return i + 1;
        }
        while (true) {
            if (object) {
                if (i == to || b[i] != '"') {
                    return INVALID;
                }
                int nameStart = i + 1;
                i = string(b, nameStart, to);
                // i - 1 is the closing quote: the name is b[nameStart, i - 1).
                if (i < 0 || i - 1 - nameStart > MAX_NAME_BYTES) {
                    return INVALID;
                }
                i = skipWhitespace(b, i, to);
                if (i == to || b[i] != ':') {
                    return INVALID;
                }
                i = skipWhitespace(b, i + 1, to);
            }
            if (i == to) {
                return INVALID;
            }
            byte c = b[i];
            i = c == '{' || c == '[' ? container(b, i + 1, to, depth + 1, c == '{') : scalar(b, i, to);
            if (i < 0) {
                return INVALID;
            }
            i = skipWhitespace(b, i, to);
            if (i == to) {
                return INVALID;
            }
            if (b[i] == close) {
                return i + 1;
            }
            if (b[i] != ',') {
                return INVALID;
            }
            i = skipWhitespace(b, i + 1, to);
        }
    }

    /**
     * Parses a string, number or literal starting at {@code b[i]}, which exists.
     *
     * @return the position after it, or {@link #INVALID}
     */
    private static int scalar(byte[] b, int i, int to) {
        switch (b[i]) {
            case '"':
                return string(b, i + 1, to);
            case 't':
                return literal(b, i, to, TRUE);
            case 'f':
                return literal(b, i, to, FALSE);
            case 'n':
                return literal(b, i, to, NULL);
            default:
                return number(b, i, to);
        }
    }

    /**
     * Matches {@code word} at {@code b[i]}.
     *
     * @return the position after it, or {@link #INVALID}
     */
    private static int literal(byte[] b, int i, int to, byte[] word) {
        if (to - i < word.length) {
            return INVALID;
        }
        for (int k = 0; k < word.length; k++) {
            if (b[i + k] != word[k]) {
                return INVALID;
            }
        }
        return i + word.length;
    }

    /**
     * Parses {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?} starting at {@code b[i]}. Whatever follows
     * is left to the caller, so {@code 01} parses as {@code 0} and then fails on the unexpected {@code 1}.
     *
     * @return the position after the number, or {@link #INVALID}
     */
    private static int number(byte[] b, int i, int to) {
        if (b[i] == '-') {
            i++;
        }
        int start = i;
        if (i < to && b[i] == '0') {
            i++;
        } else {
            i = digits(b, i, to);
            if (i == start) {
                return INVALID;
            }
        }
        int count = i - start;
        if (i < to && b[i] == '.') {
            start = i + 1;
            i = digits(b, start, to);
            if (i == start) {
                return INVALID;
            }
            count += i - start;
        }
        if (i < to && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < to && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            start = i;
            i = digits(b, start, to);
            if (i == start) {
                return INVALID;
            }
            count += i - start;
        }
        return count <= MAX_NUMBER_DIGITS ? i : INVALID;
    }

    /** @return the position of the first non-digit at or after {@code i} */
    private static int digits(byte[] b, int i, int to) {
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }

    /**
     * Parses the rest of a string, from just after its opening quote up to and including the closing quote.
     *
     * @return the position after the closing quote, or {@link #INVALID}
     */
    private static int string(byte[] b, int i, int to) {
        while (i < to) {
            byte c = b[i];
            if (PLAIN_STRING_BYTE[c & 0xFF]) { // the fast path, one table look-up per byte
                i++;
            } else if (c == '"') {
                return i + 1;
            } else if (c == '\\') {
                i = escape(b, i + 1, to);
                if (i < 0) {
                    return INVALID;
                }
            } else if (c >= 0) { // ASCII but not plain: an unescaped control character, U+0000 to U+001F
                return INVALID;
            } else { // bytes are signed, so 0x80 to 0xFF are negative: non-ASCII, checked as UTF-8
                i = utf8Sequence(b, i, to);
                if (i < 0) {
                    return INVALID;
                }
            }
        }
        return INVALID;
    }

    /**
     * Parses the rest of an escape, from just after the backslash.
     *
     * @return the position after the escape, or {@link #INVALID}
     */
    private static int escape(byte[] b, int i, int to) {
        if (i == to) {
            return INVALID;
        }
        switch (b[i]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
                return i + 1;
            case 'u':
                if (to - i < 5 || !isHex(b[i + 1]) || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4])) {
                    return INVALID;
                }
                return i + 5;
            default:
                return INVALID;
        }
    }

    private static boolean isHex(byte c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    /**
     * Checks one well-formed UTF-8 sequence of two to four bytes starting with the non-ASCII byte {@code b[i]}, per
     * table 3-7 of the Unicode Standard: the lead byte gives the length, the second byte's range excludes overlong
     * forms (after E0 and F0), UTF-16 surrogates (after ED) and code points above U+10FFFF (after F4), and the other
     * bytes are continuation bytes 80 to BF.
     *
     * @return the position after the sequence, or {@link #INVALID}
     */
    private static int utf8Sequence(byte[] b, int i, int to) {
        int lead = b[i] & 0xFF;
        // 80..BF can only continue a sequence, C0 and C1 could only start overlong ones, F5..FF start none.
        if (lead < 0xC2 || lead > 0xF4) {
            return INVALID;
        }
        int length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        if (to - i < length) {
            return INVALID;
        }
        int second = b[i + 1] & 0xFF;
        int low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
        int high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
        if (second < low || second > high) {
            return INVALID;
        }
        for (int k = 2; k < length; k++) {
            if (!isContinuation(b[i + k])) {
                return INVALID;
            }
        }
        return i + length;
    }

    /** A continuation byte is 10xxxxxx. */
    private static boolean isContinuation(byte c) {
        return (c & 0xC0) == 0x80;
    }

    /** @return the position of the first byte at or after {@code i} that is not a space, tab, LF or CR */
    private static int skipWhitespace(byte[] b, int i, int to) {
        while (i < to) {
            byte c = b[i];
            // c > ' ' first: the common case, a token right away, costs one comparison.
            if (c > ' ' || c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return i;
            }
            i++;
        }
        return i;
    }
}
