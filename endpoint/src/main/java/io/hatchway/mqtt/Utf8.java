package io.hatchway.mqtt;

/**
 * Strict checks of MQTT UTF-8 strings. Netty decodes strings leniently, replacing ill-formed sequences (overlong
 * forms, encoded surrogates, truncated sequences) with U+FFFD; a decoded U+FFFD is therefore taken as ill-formed
 * input. U+0000 is forbidden outright [MQTT-1.5.3-2].
 */
final class Utf8 {

    private Utf8() {
    }

    /** True for null (absent) and for strings free of U+0000 and U+FFFD. */
    static boolean valid(String s) {
        if (s == null) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\u0000' || c == '\uFFFD') {
                return false;
            }
        }
        return true;
    }
}
