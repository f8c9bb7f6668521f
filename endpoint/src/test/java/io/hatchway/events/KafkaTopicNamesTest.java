package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaTopicNamesTest {

    private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    private static void assertValid(String topic) {
        assertTrue(VALID.matcher(topic).matches() && !topic.equals(".") && !topic.equals(".."), topic);
    }

    @Test
    void validNamesAreKeptUnchanged() {
        assertEquals("events-my-app_1.test", KafkaTopicNames.topicFor("events-{app}", "my-app_1.test"));
        assertEquals("iot-events", KafkaTopicNames.topicFor("iot-events", "ignored"));
        assertEquals("x".repeat(249), KafkaTopicNames.validName("x".repeat(249)));
    }

    @Test
    void invalidCharactersBecomeUnderscoresFollowedByAStableHash() {
        String topic = KafkaTopicNames.topicFor("events-{app}", "my app/ü€");

        // One '_' per code point (ü and € are one each), then '-' and 8 hex digits of SHA-256("events-my app/ü€").
        assertTrue(topic.matches("events-my_app___-[0-9a-f]{8}"), topic);
        assertEquals(topic, KafkaTopicNames.topicFor("events-{app}", "my app/ü€"));
        assertValid(topic);
    }

    @Test
    void theHashIsTheSha256PrefixOfTheUnmappedName() {
        String topic = KafkaTopicNames.validName("events-a b");

        assertEquals("events-a_b-" + sha256Prefix("events-a b"), topic);
    }

    @Test
    void applicationsThatMapToTheSameCharactersStillGetDifferentTopics() {
        String withSpace = KafkaTopicNames.topicFor("events-{app}", "a b");
        String withSlash = KafkaTopicNames.topicFor("events-{app}", "a/b");
        String withUnderscore = KafkaTopicNames.topicFor("events-{app}", "a_b");

        assertEquals("events-a_b", withUnderscore);
        assertNotEquals(withSpace, withSlash);
        assertNotEquals(withSpace, withUnderscore);
        assertNotEquals(withSlash, withUnderscore);
    }

    @Test
    void tooLongNamesAreCutToTheLimitWithTheHash() {
        String longer = "a".repeat(300);
        String alsoLonger = "a".repeat(301);

        String topic = KafkaTopicNames.validName(longer);

        assertEquals(249, topic.length());
        assertTrue(topic.startsWith("a".repeat(240) + "-"), topic);
        assertValid(topic);
        assertNotEquals(topic, KafkaTopicNames.validName(alsoLonger));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", " ", "ü", "\uD83D\uDE00"})
    void namesKafkaRejectsOutrightAreMappedToValidOnes(String name) {
        assertValid(KafkaTopicNames.validName(name));
    }

    @Test
    void topicOfAnEventUsesItsApplicationExtension() {
        CloudEvent event = new EventMapper("i").map("fleet 7", "d", "d", "c", new byte[0], null,
                Instant.now());

        assertEquals(KafkaTopicNames.validName("events-fleet 7"), KafkaSink.topicFor("events-{app}", event));
        assertEquals("all-events", KafkaSink.topicFor("all-events", event));
    }

    @Test
    void eventWithoutApplicationCannotBeRoutedByAnAppTemplate() {
        CloudEvent event = CloudEventBuilder.v1().withId("1").withType("t").withSource(URI.create("s")).build();

        assertThrows(SinkException.class, () -> KafkaSink.topicFor("events-{app}", event));
        assertEquals("events", KafkaSink.topicFor("events", event));
    }

    private static String sha256Prefix(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return String.format("%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
