package io.hatchway.events;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Turns a topic template and an application name into a valid Kafka topic name, deterministically.
 *
 * <p>Kafka accepts topic names of 1 to {@value #MAX_LENGTH} characters from {@code [a-zA-Z0-9._-]}, except
 * {@code "."} and {@code ".."}. The name after substituting {@code {app}} is used unchanged when it is valid.
 * Otherwise every code point outside that set becomes {@code '_'}, the result is cut to leave room for the suffix, and
 * {@code '-'} plus the first {@value #HASH_CHARS} lower-case hex digits of the SHA-256 of the unmapped name's UTF-8
 * bytes is appended. So {@code events-{app}} with application {@code "my-café"} gives {@code "events-my-caf_-"}
 * followed by eight hex digits, while application {@code "my-caf_"} keeps {@code events-my-caf_}: two different
 * applications only share a topic if their mapped names are equal and their hashes agree in 32 bits, which does not
 * happen by accident. Valid names stay as they are, so Drogue-style names are not disturbed.
 *
 * <p>Caveat: Kafka itself refuses to create a topic whose name differs from an existing one only in {@code '.'} versus
 * {@code '_'} (their metric names would collide), so of applications {@code a.b} and {@code a_b} only the first one
 * used gets its topic; the other's events fail once their metadata wait ends. Both names are valid, so they are not
 * mapped.
 *
 * <p>Stateless and thread-safe.
 */
final class KafkaTopicNames {

    /** The longest topic name Kafka accepts. */
    static final int MAX_LENGTH = 249;
    /** Hex digits of the hash appended to a mapped name. */
    static final int HASH_CHARS = 8;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private KafkaTopicNames() {
    }

    /**
     * @param template the topic template, possibly with {@value KafkaSinkSettings#APPLICATION_PLACEHOLDER}
     * @param application the application name to put in
     * @return the valid Kafka topic name
     */
    static String topicFor(String template, String application) {
        return validName(template.replace(KafkaSinkSettings.APPLICATION_PLACEHOLDER, application));
    }

    /**
     * @param name any string
     * @return {@code name} if it is a valid Kafka topic name, else its mapped form as described in the class comment
     */
    static String validName(String name) {
        if (isValid(name)) {
            return name;
        }
        StringBuilder mapped = new StringBuilder(Math.min(name.length(), MAX_LENGTH) + HASH_CHARS + 1);
        name.codePoints().forEach(c -> mapped.append(isLegal(c) ? (char) c : '_'));
        mapped.setLength(Math.min(mapped.length(), MAX_LENGTH - HASH_CHARS - 1));
        return mapped.append('-').append(hash(name)).toString();
    }

    static boolean isValid(String name) {
        if (name.isEmpty() || name.length() > MAX_LENGTH || name.equals(".") || name.equals("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isLegal(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLegal(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
    }

    private static String hash(String name) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        char[] hex = new char[HASH_CHARS];
        for (int i = 0; i < HASH_CHARS; i++) {
            int b = digest[i / 2] & 0xFF;
            hex[i] = HEX[i % 2 == 0 ? b >>> 4 : b & 0x0F];
        }
        return new String(hex);
    }
}
