package io.hatchway.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class JsonValidatorTest {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Printable ASCII as is (backslash doubled), every other byte as {@code \xNN}. */
    private static String escaped(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 2).append('<');
        for (byte b : bytes) {
            if (b == '\\') {
                out.append("\\\\");
            } else if (b >= 0x20 && b < 0x7F) {
                out.append((char) b);
            } else {
                out.append(String.format("\\x%02X", b & 0xFF));
            }
        }
        return out.append('>').toString();
    }

    private static void assertJson(boolean expected, byte[] input) {
        assertEquals(expected, JsonValidator.isJson(input), () -> escaped(input));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // every kind of value, at the top level
        "{}", "[]", "\"\"", "\"x\"", "0", "true", "false", "null",
        "{\"a\":1}", "[1,2,3]", "{\"a\":{\"b\":[true,false,null]},\"c\":\"d\"}", "[[],{},[[]],{\"\":{}}]",
        "{\"temp\":21.5,\"hum\":40,\"id\":\"abc\"}",
        // whitespace: space, tab, LF, CR around and between tokens
        " 1", "1 ", " \t\r\n{ \"a\" \t:\r\n[ 1 , 2 ] , \"b\" : \"c\" }\n\r\t ", "[ ]", "{ }", "\"  \"",
        // numbers
        "0", "-0", "0.5", "-0.5", "1e5", "1E5", "1e+5", "1E+5", "1e-5", "-1.5e-3", "0e0", "0E-0", "123456789",
        "-9223372036854775809", "1.7976931348623157e309", "[0,-0,1,-1,10,0.0,1e1]",
        // strings: escapes, raw non-ASCII, DEL
        "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\u0000\\u001f\\u00e9\\u00E9\\uABCD\\uabcd\\uFFFF\"",
        "\"\\uD83D\\uDE00\"", "\"\\uD800\"", "\"\\uDFFF x\"", "\"\\uDE00\\uD83D\"",
        "\"é € \uD83D\uDE00 \uFFFF \u0080 \u07FF \u0800 \uD7FF \uE000 \uDBFF\uDFFF\"", "\"\u007F\"",
        "\"/ ' ` { } [ ] : ,\"", "{\"é\":\"€\"}",
    })
    void acceptsValidJson(String json) {
        assertJson(true, utf8(json));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // empty, blank, other whitespace
        "", " ", " \t\r\n", "\u000B1", "\f1", "1\u000B", "\u00A01", "\u20281",
        // more or less than one value
        "1 2", "{} {}", "{}{}", "[] 1", "\"a\"\"b\"", "{\"a\":1} x", "[1]]", "[1", "{\"a\":1", "]", "}", ",", ":",
        // literals
        "tru", "truex", "True", "TRUE", "nul", "nulll", "fals", "falsey", "undefined", "NaN", "-NaN", "Infinity",
        "-Infinity", "[true false]",
        // numbers
        "01", "00", "-01", "-00", "1.", "-1.", ".5", "-.5", "+1", "1e", "1E", "1e+", "1e-", "-", "--1", "1.e5",
        "0x10", "1_000", "1.5.5", "1e5e5", "1 .5", "- 1", "0.", "[01]", "[1.]", "{\"a\":01}", "1f", "1d",
        // strings
        "\"", "\"abc", "'a'", "\"a\\\"", "\"\\\"", "\"\\a\"", "\"\\'\"", "\"\\x41\"", "\"\\0\"", "\"\\U0041\"",
        "\"\\u\"", "\"\\u12\"", "\"\\u123\"", "\"\\u12G4\"", "\"\\u12g4\"", "\"\\u12@4\"", "\"\\u12`4\"",
        "\"\\u12:4\"", "\"\\u12/4\"", "\"\\u 123\"",
        "\"tab\there\"", "\"a\nb\"", "\"\r\"", "\"\u0000\"", "\"\u001F\"",
        // objects and arrays
        "[1,]", "[,1]", "[,]", "[1,,2]", "[1 2]", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{a:1}",
        "{'a':1}", "{1:1}", "{\"a\":1 \"b\":2}", "{\"a\"::1}", "{\"a\":1,,\"b\":2}", "[}", "{]", "[{]}",
        // comments
        "// c\n1", "/* c */ 1", "1 // c", "1 /* c */", "# c\n1", "{\"a\":1 /* c */}",
    })
    void rejectsInvalidJson(String json) {
        assertJson(false, utf8(json));
    }

    /** Bytes as hex; 22 is '"'. Each case is a whole input. */
    @ParameterizedTest
    @CsvSource({
        // well-formed UTF-8 in a string, one case per row of table 3-7 of the Unicode Standard, at both ends
        "22 41 22, true",
        "22 C2 80 22, true", "22 DF BF 22, true",
        "22 E0 A0 80 22, true", "22 E0 BF BF 22, true",
        "22 E1 80 80 22, true", "22 EC BF BF 22, true",
        "22 ED 80 80 22, true", "22 ED 9F BF 22, true",
        "22 EE 80 80 22, true", "22 EF BF BF 22, true",
        "22 F0 90 80 80 22, true", "22 F0 BF BF BF 22, true",
        "22 F1 80 80 80 22, true", "22 F3 BF BF BF 22, true",
        "22 F4 80 80 80 22, true", "22 F4 8F BF BF 22, true",
        // stray continuation bytes
        "22 80 22, false", "22 BF 22, false", "22 41 80 22, false", "22 C3 A9 A9 22, false",
        // overlong encodings, and bytes that never occur
        "22 C0 80 22, false", "22 C0 AF 22, false", "22 C1 BF 22, false",
        "22 E0 80 80 22, false", "22 E0 9F BF 22, false", "22 F0 80 80 80 22, false", "22 F0 8F BF BF 22, false",
        "22 F5 80 80 80 22, false", "22 F8 88 80 80 80 22, false", "22 FE 22, false", "22 FF 22, false",
        // UTF-16 surrogates encoded in UTF-8 (CESU-8), lone or paired
        "22 ED A0 80 22, false", "22 ED BF BF 22, false", "22 ED A0 BD ED B8 80 22, false",
        // above U+10FFFF
        "22 F4 90 80 80 22, false", "22 F7 BF BF BF 22, false",
        // truncated sequences: at the closing quote, at the end of input, before another lead byte
        "22 C3 22, false", "22 E2 82 22, false", "22 F0 9F 98 22, false", "22 C3, false", "22 E2 82, false",
        "22 F0 9F 98, false", "22 E2 C3 A9 22, false", "22 F0 9F 98 41 22, false",
        // non-ASCII outside strings, byte order marks, UTF-16 and UTF-32 text
        "C3 A9, false", "31 C3 A9, false", "5B 31 2C C3 A9 5D, false", "E2 80 A8 31, false",
        "EF BB BF 34 32, false", "EF BB BF 22 22, false", "FE FF 00 31, false", "FF FE 31 00, false",
        "00 31, false", "31 00, false", "00 7B 00 7D, false", "00 00 00 31, false",
        // NUL: raw in a string, escaped in a string
        "22 00 22, false", "22 5C 75 30 30 30 30 22, true",
        // a BOM inside a string is just U+FEFF
        "22 EF BB BF 22, true",
    })
    void checksUtf8(String hex, boolean expected) {
        assertJson(expected, HexFormat.ofDelimiter(" ").parseHex(hex));
    }

    @Test
    void nestingUpTo999IsAccepted() {
        assertEquals(999, JsonValidator.MAX_DEPTH);
        assertJson(true, utf8("[".repeat(999) + "]".repeat(999)));
        assertJson(true, utf8("{\"a\":".repeat(998) + "{}" + "}".repeat(998)));
        assertJson(true, utf8("[{\"a\":".repeat(499) + "1" + "}]".repeat(499)));
        assertJson(true, utf8("[" + "[1,{\"a\":[],\"b\":{}},\"x\"],".repeat(2000) + "1]"));
    }

    @Test
    void nestingOf1000AndDeeperIsRejectedSoThatAnEventLineEmbeddingItStaysWithinJacksonsLimit() {
        assertJson(false, utf8("[".repeat(1000) + "]".repeat(1000)));
        assertJson(false, utf8("{\"a\":".repeat(999) + "{}" + "}".repeat(999)));
        assertJson(false, utf8("[{\"a\":".repeat(500) + "1" + "}]".repeat(500)));
        assertJson(false, utf8("[".repeat(1001)));
    }

    @Test
    void veryDeepNestingIsRejectedWithoutOverflowingTheStack() {
        assertJson(false, utf8("[".repeat(100_000)));
        assertJson(false, utf8("[".repeat(100_000) + "]".repeat(100_000)));
        assertJson(false, utf8("{\"a\":[".repeat(100_000)));
    }

    /**
     * The recursion uses one small frame per nesting level: the deepest accepted input fits in half the usual 1 MiB
     * thread stack even before the JIT compiles the code (interpreted frames are the largest, about 150 bytes a level;
     * about 100 KiB of a thread stack are guard and shadow pages).
     */
    @Test
    void maximumNestingFitsInASmallStack() throws InterruptedException {
        byte[] deepest = utf8("[{\"a\":".repeat(499) + "[1]" + "}]".repeat(499));
        AtomicReference<Object> result = new AtomicReference<>();
        Thread thread = new Thread(null, () -> {
            try {
                result.set(JsonValidator.isJson(deepest));
            } catch (Throwable t) {
                result.set(t);
            }
        }, "small-stack", 512 * 1024);
        thread.start();
        thread.join();

        assertEquals(Boolean.TRUE, result.get());
    }

    @Test
    void numbersUpToJacksonsDefaultLimitOf1000DigitsAreAccepted() {
        assertJson(true, utf8("1".repeat(1000)));
        assertJson(true, utf8("-" + "1".repeat(1000)));
        assertJson(true, utf8("1".repeat(500) + "." + "2".repeat(500)));
        assertJson(true, utf8("-1." + "2".repeat(499) + "E+" + "3".repeat(500)));
        assertJson(true, utf8("0." + "0".repeat(999)));
        assertJson(true, utf8("[" + "9".repeat(1000) + "," + "9".repeat(1000) + "]"));
    }

    @Test
    void numbersOfMoreThan1000DigitsAreRejected() {
        assertJson(false, utf8("1".repeat(1001)));
        assertJson(false, utf8("-" + "1".repeat(1001)));
        assertJson(false, utf8("1".repeat(500) + "." + "2".repeat(501)));
        assertJson(false, utf8("-1." + "2".repeat(499) + "E+" + "3".repeat(501)));
        assertJson(false, utf8("[" + "9".repeat(1001) + "]"));
    }

    @Test
    void namesUpToJacksonsDefaultLimitOf50000BytesAreAccepted() {
        assertJson(true, utf8("{\"" + "a".repeat(50_000) + "\":1}"));
        assertJson(true, utf8("{\"" + "é".repeat(25_000) + "\":1}"));
        assertJson(false, utf8("{\"" + "a".repeat(50_001) + "\":1}"));
        assertJson(false, utf8("{\"" + "é".repeat(25_000) + "a\":1}"));
        // Only names are limited: a long string value is fine.
        assertJson(true, utf8("{\"a\":\"" + "a".repeat(100_000) + "\"}"));
    }

    /**
     * The name limit counts bytes as written, Jackson counts the UTF-8 bytes of the decoded name: a name that is long
     * only because of escapes is rejected here and accepted by Jackson. The other way round would be a bug, since
     * {@link JsonPayloads#compact} re-parses accepted payloads with Jackson.
     */
    @Test
    void theNameLimitIsNeverLaxerThanJacksons() {
        List<String> names = List.of("a".repeat(50_000), "é".repeat(25_000), "€".repeat(16_666) + "ab",
                "\uD83D\uDE00".repeat(12_500), "\\n".repeat(25_000), "\\u00e9".repeat(8_333) + "ab",
                "\\uD83D\\uDE00".repeat(4_166) + "abcdefgh", "a".repeat(49_998) + "é");
        for (String name : names) {
            byte[] json = utf8("{\"" + name + "\":1}");
            assertEquals(50_000 + 6, json.length, "each name is 50000 bytes as written");
            assertTrue(JsonValidator.isJson(json), () -> "rejects a name of " + name.length() + " chars");
            assertTrue(jackson(json), () -> "Jackson rejects a name of " + name.length() + " chars");
        }
        byte[] escapedLong = utf8("{\"" + "\\n".repeat(25_001) + "\":1}");
        assertTrue(jackson(escapedLong));
        assertFalse(JsonValidator.isJson(escapedLong));
    }

    @Test
    void largeDocumentIsAccepted() {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; json.length() < 1024 * 1024; i++) {
            json.append(i == 0 ? "" : ",\n  ")
                    .append("{\"id\":").append(i)
                    .append(",\"temp\":").append(-20 + i % 60).append('.').append(i % 10)
                    .append(",\"name\":\"sensor-").append(i).append(" é€\\u00e9\\n\"")
                    .append(",\"ok\":").append(i % 2 == 0)
                    .append(",\"tags\":[null,{\"k\":[1e").append(i % 300).append("]}]}");
        }
        byte[] bytes = utf8(json.append("]").toString());
        assertTrue(bytes.length >= 1024 * 1024);

        assertJson(true, bytes);
        bytes[bytes.length - 1] = '}';
        assertFalse(JsonValidator.isJson(bytes));
    }

    @Test
    void rangeOverloadLooksOnlyAtTheRange() {
        byte[] bytes = utf8("xx{\"a\":[1,2]}yy");

        assertTrue(JsonValidator.isJson(bytes, 2, bytes.length - 2));
        assertFalse(JsonValidator.isJson(bytes, 2, bytes.length - 3));
        assertFalse(JsonValidator.isJson(bytes, 1, bytes.length - 2));
        assertFalse(JsonValidator.isJson(bytes, 2, 2));
        assertTrue(JsonValidator.isJson(utf8("12345"), 1, 3));
        assertFalse(JsonValidator.isJson(utf8("\"a\""), 0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> JsonValidator.isJson(bytes, 3, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> JsonValidator.isJson(bytes, 0, bytes.length + 1));
        assertThrows(IndexOutOfBoundsException.class, () -> JsonValidator.isJson(bytes, -1, 2));
    }

    @Test
    void jsonPayloadsDelegates() {
        assertTrue(JsonPayloads.isJson(utf8(" {\"a\":[1,\"é\"]} ")));
        assertFalse(JsonPayloads.isJson(utf8("{\"a\":[1,\"é\"]")));
        assertFalse(JsonPayloads.isJson(new byte[0]));
    }

    @Test
    void allocatesNothing() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) threads;
        assumeTrue(bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled());
        byte[][] inputs = {
            utf8("{\"temp\":21.5,\"hum\":40,\"id\":\"abc\"}"), utf8("[1,{\"a\":\"é\\u00e9\"},null]"),
            utf8("{\"temp\":21.5,"), utf8("\"\\x\""), utf8("[".repeat(2000)), {'"', (byte) 0xC0, (byte) 0x80, '"'},
        };
        long threadId = Thread.currentThread().getId();
        int calls = 100_000;
        int accepted = 0;

        long before = bean.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < calls; i++) {
            if (JsonValidator.isJson(inputs[i % inputs.length])) {
                accepted++;
            }
        }
        long allocated = bean.getThreadAllocatedBytes(threadId) - before;

        // Even one object per call would be over a megabyte; allow some bytes for the measurement itself.
        assertTrue(allocated < 16 * 1024, () -> allocated + " bytes allocated in " + calls + " calls");
        assertEquals((calls + 5) / 6 + (calls + 4) / 6, accepted);
    }

    // ---- Differential test against Jackson ----

    /** Jackson's defaults, but for the nesting depth: the validator stays one level below Jackson's 1000. */
    private static final JsonFactory JACKSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonValidator.MAX_DEPTH).build())
            .build();

    /**
     * The reference: what {@code JsonPayloads.isJson} did before this class, Jackson 2.18 with default settings (but
     * the nesting depth).
     * Jackson guesses UTF-16/32 from zero bytes and skips a UTF-8 byte order mark, so those were rejected first.
     */
    private static boolean jackson(byte[] payload) {
        if (payload.length >= 3 && payload[0] == (byte) 0xEF && payload[1] == (byte) 0xBB
                && payload[2] == (byte) 0xBF) {
            return false;
        }
        for (byte b : payload) {
            if (b == 0) {
                return false;
            }
        }
        try (JsonParser parser = JACKSON.createParser(payload)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isWellFormedUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * The deliberate difference from Jackson: Jackson checks UTF-8 in strings only loosely, in names and values alike.
     * It rejects stray continuation bytes and truncated sequences but accepts overlong forms, encoded surrogates,
     * code points above U+10FFFF and lead bytes F5 to F7, all of which are malformed UTF-8.
     */
    @ParameterizedTest
    @ValueSource(strings = {"22 C0 80 22", "22 C1 BF 22", "22 E0 80 80 22", "22 F0 80 80 80 22", "22 ED A0 80 22",
        "22 F4 90 80 80 22", "22 F5 80 80 80 22", "7B 22 ED A0 80 22 3A 31 7D", "5B 22 C0 80 22 5D"})
    void malformedUtf8ThatJacksonAcceptsIsRejected(String hex) {
        byte[] input = HexFormat.ofDelimiter(" ").parseHex(hex);

        assertTrue(jackson(input), () -> "Jackson now rejects " + escaped(input));
        assertJson(false, input);
    }

    /**
     * Random JSON, mutated JSON and random text, compared with Jackson. Malformed UTF-8 is not compared, because of
     * the difference above, but must be rejected here. On well-formed UTF-8, including non-ASCII text in strings and
     * non-ASCII bytes outside them, both must agree exactly. (The name limit differs too, see
     * {@link #theNameLimitIsNeverLaxerThanJacksons()}, but random names are far shorter.)
     */
    @Test
    void agreesWithJackson() {
        Random random = new Random(20240517L);
        List<byte[]> inputs = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            byte[] json = utf8(RandomJson.value(random, 0));
            inputs.add(json);
            inputs.add(RandomJson.mutate(random, json));
            inputs.add(RandomJson.mutate(random, RandomJson.mutate(random, json)));
            inputs.add(Arrays.copyOf(json, random.nextInt(json.length + 1)));
        }
        for (int i = 0; i < 4000; i++) {
            inputs.add(utf8(RandomJson.text(random)));
        }
        for (String edge : new String[] {
            "[".repeat(999) + "]".repeat(999), "[".repeat(1000) + "]".repeat(1000),
            "[".repeat(1001) + "]".repeat(1001), "1".repeat(1000), "1".repeat(1001), "1e" + "1".repeat(999),
            "1.5e" + "1".repeat(999), "-0." + "1".repeat(999)}) {
            inputs.add(utf8(edge));
            inputs.add(RandomJson.mutate(random, utf8(edge)));
        }

        int compared = 0;
        int valid = 0;
        for (byte[] input : inputs) {
            boolean actual = JsonValidator.isJson(input);
            if (!isWellFormedUtf8(input)) {
                assertFalse(actual, () -> "malformed UTF-8 accepted: " + escaped(input));
                continue;
            }
            boolean expected = jackson(input);
            assertEquals(expected, actual, () -> "differs from Jackson on " + escaped(input));
            compared++;
            if (actual) {
                valid++;
            }
        }
        // Guard against a generator that only produces one kind of input.
        assertTrue(compared > inputs.size() * 3 / 4, compared + " of " + inputs.size());
        assertTrue(valid > compared / 4 && valid < compared * 3 / 4, valid + " valid of " + compared);
    }

    /** Generators for {@link #agreesWithJackson()}. */
    private static final class RandomJson {

        private static final String[] WHITESPACE = {"", "", "", " ", "\t", "\n", "\r\n", "  "};
        private static final String[] STRING_PIECES = {
            "a", "temp", "x y", "é", "€", "\uD83D\uDE00", "\u007F", "\uFFFF", "'", "/", "\\\"", "\\\\", "\\/", "\\b",
            "\\f", "\\n", "\\r", "\\t", "\\u00e9", "\\u00E9", "\\uD83D\\uDE00", "\\uD800", "\\uDFFF", "\\u0000",
        };
        private static final String[] NUMBERS = {
            "0", "-0", "1", "-1", "42", "21.5", "-1.5e-3", "1e5", "1E+5", "0.001", "123456789012345678901234567890",
            "1e400", "-0.0e-0",
        };
        private static final byte[] STRUCTURAL_BYTES = utf8("{}[]:,\"\\");
        /** Other bytes that mutations insert: more grammar characters, lookalikes and control characters. */
        private static final byte[] MUTATION_BYTES =
                utf8("/ \t\n\r0123456789-+.eEtruefalsnull'#*xuaAfFgG@`\u000B\f\u0001\u001F\u007F");
        /** Short sequences that mutations insert. */
        private static final String[] TOKENS = {
            ",", ",]", ",}", ":", "[", "]", "{", "}", "\"\"", "\"a\":", "0", "-", ".", "e", "1", "01", "true",
            "nul", "\\", "\\u", "\\u00", "\\x", "//", "/*", "é", " ",
        };

        static String value(Random random, int depth) {
            int kind = random.nextInt(depth < 5 ? 8 : 5);
            switch (kind) {
                case 0:
                    return string(random);
                case 1:
                    return NUMBERS[random.nextInt(NUMBERS.length)];
                case 2:
                    return randomNumber(random);
                case 3:
                    return new String[] {"true", "false", "null"}[random.nextInt(3)];
                case 4:
                    return string(random);
                case 5:
                case 6: {
                    StringBuilder out = new StringBuilder("{").append(ws(random));
                    int members = random.nextInt(4);
                    for (int i = 0; i < members; i++) {
                        out.append(i == 0 ? "" : "," + ws(random)).append(string(random)).append(ws(random))
                                .append(':').append(ws(random)).append(value(random, depth + 1)).append(ws(random));
                    }
                    return out.append('}').toString();
                }
                default: {
                    StringBuilder out = new StringBuilder("[").append(ws(random));
                    int elements = random.nextInt(4);
                    for (int i = 0; i < elements; i++) {
                        out.append(i == 0 ? "" : "," + ws(random)).append(value(random, depth + 1)).append(ws(random));
                    }
                    return out.append(']').toString();
                }
            }
        }

        private static String ws(Random random) {
            return WHITESPACE[random.nextInt(WHITESPACE.length)];
        }

        private static String string(Random random) {
            StringBuilder out = new StringBuilder("\"");
            int pieces = random.nextInt(5);
            for (int i = 0; i < pieces; i++) {
                out.append(STRING_PIECES[random.nextInt(STRING_PIECES.length)]);
            }
            return out.append('"').toString();
        }

        private static String randomNumber(Random random) {
            StringBuilder out = new StringBuilder();
            if (random.nextBoolean()) {
                out.append('-');
            }
            out.append(random.nextInt(3) == 0 ? "0" : String.valueOf(1 + random.nextInt(100_000)));
            if (random.nextBoolean()) {
                out.append('.').append(random.nextInt(1000));
            }
            if (random.nextBoolean()) {
                out.append(random.nextBoolean() ? 'e' : 'E').append(new String[] {"", "+", "-"}[random.nextInt(3)])
                        .append(random.nextInt(400));
            }
            return out.toString();
        }

        /** Inserts, deletes or replaces one byte, inserts a token, or truncates. */
        static byte[] mutate(Random random, byte[] json) {
            int at = random.nextInt(json.length + 1);
            switch (random.nextInt(5)) {
                case 0:
                    return splice(json, at, at, new byte[] {randomByte(random)});
                case 1:
                    return splice(json, at, Math.min(at + 1, json.length), new byte[0]);
                case 2:
                    return splice(json, at, Math.min(at + 1, json.length), new byte[] {randomByte(random)});
                case 3:
                    return splice(json, at, at, utf8(TOKENS[random.nextInt(TOKENS.length)]));
                default:
                    return Arrays.copyOf(json, at);
            }
        }

        /** Half structural characters, then other characters JSON gives meaning to, then some non-ASCII bytes. */
        private static byte randomByte(Random random) {
            int dice = random.nextInt(20);
            if (dice < 10) {
                return STRUCTURAL_BYTES[random.nextInt(STRUCTURAL_BYTES.length)];
            }
            if (dice < 17) {
                return MUTATION_BYTES[random.nextInt(MUTATION_BYTES.length)];
            }
            return (byte) (0x80 + random.nextInt(0x80));
        }

        /** {@code json} with {@code [from, to)} replaced by {@code insert}. */
        private static byte[] splice(byte[] json, int from, int to, byte[] insert) {
            byte[] out = new byte[json.length - (to - from) + insert.length];
            System.arraycopy(json, 0, out, 0, from);
            System.arraycopy(insert, 0, out, from, insert.length);
            System.arraycopy(json, to, out, from + insert.length, json.length - to);
            return out;
        }

        /** Random text over JSON's characters, ASCII only. */
        static String text(Random random) {
            String alphabet = "{}[]:,\"\\/ \t\n\r0123456789-+.eEaflnrstu'#";
            StringBuilder out = new StringBuilder();
            int length = random.nextInt(12);
            for (int i = 0; i < length; i++) {
                out.append(random.nextInt(20) == 0
                        ? (char) (0x20 + random.nextInt(0x5F))
                        : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            return out.toString();
        }
    }
}
