package io.hatchway.registry;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicTemplateTest {

    @Test
    void edgeConfirmTopicGivesSerialAndMultiLevelChannel() {
        assertEquals(Optional.of(Map.of("device", "serial-1", "channel", "config/confirm")),
                TopicTemplate.parse("VSRE/{device}/{channel}").match("VSRE/serial-1/config/confirm"));
    }

    @Test
    void legacyInformTopicGivesSerialAndChannel() {
        assertEquals(Optional.of(Map.of("device", "serial-1", "channel", "inform")),
                TopicTemplate.parse("VSR/{device}/{channel}").match("VSR/serial-1/inform"));
    }

    @Test
    void octopusStatusTopicGivesTheNameAndSkipsTheNamespace() {
        TopicTemplate octopus = TopicTemplate.parse("cattle.io/octopus/+/{device}");
        assertAll(
                () -> assertEquals(Optional.of(Map.of("device", "dev-a")),
                        octopus.match("cattle.io/octopus/default/dev-a")),
                () -> assertEquals(Optional.empty(), octopus.match("cattle.io/octopus/dev-a")),
                () -> assertEquals(Optional.empty(), octopus.match("cattle.io/octopus//dev-a")),
                () -> assertEquals(Optional.empty(), octopus.match("cattle.io/octopus/default/dev-a/x")),
                () -> assertEquals(Optional.empty(), octopus.match("cattle.io/octopus/default/")));
    }

    @Test
    void telemetryAdapterTopicGivesTheDevice() {
        TopicTemplate telemetry = TopicTemplate.parse("devices/{device}/telemetry");
        assertAll(
                () -> assertEquals(Optional.of(Map.of("device", "d-17")), telemetry.match("devices/d-17/telemetry")),
                () -> assertEquals(Optional.empty(), telemetry.match("devices/d-17/telemetry/x")),
                () -> assertEquals(Optional.empty(), telemetry.match("devices/d-17/Telemetry")),
                () -> assertEquals(Optional.empty(), telemetry.match("devices/d-17/telemetr")),
                () -> assertEquals(Optional.empty(), telemetry.match("devices/d-17/telemetryX")),
                () -> assertEquals(Optional.empty(), telemetry.match("devices//telemetry")),
                () -> assertEquals(Optional.empty(), telemetry.match("devices/telemetry")),
                () -> assertEquals(Optional.empty(), telemetry.match("devices")),
                () -> assertEquals(Optional.empty(), telemetry.match("")));
    }

    @Test
    void lastLevelChannelNeedsAtLeastOneLevelAndNoEmptyOnes() {
        TopicTemplate template = TopicTemplate.parse("VSRE/{device}/{channel}");
        assertAll(
                () -> assertEquals(Optional.empty(), template.match("VSRE/serial-1")),
                () -> assertEquals(Optional.empty(), template.match("VSRE/serial-1/")),
                () -> assertEquals(Optional.empty(), template.match("VSRE/serial-1/config/")),
                () -> assertEquals(Optional.empty(), template.match("VSRE/serial-1//confirm")),
                () -> assertEquals(Optional.empty(), template.match("VSRE/serial-1/config//confirm")),
                () -> assertEquals(Optional.empty(), template.match("VSRE//inform")),
                () -> assertEquals(Optional.empty(), template.match("VSR/serial-1/inform")),
                () -> assertEquals(Optional.of(Map.of("device", "s", "channel", "a/b/c/d")),
                        template.match("VSRE/s/a/b/c/d")));
    }

    @Test
    void channelBeforeTheLastLevelTakesExactlyOneLevel() {
        TopicTemplate template = TopicTemplate.parse("fleet/{channel}/{device}");
        assertAll(
                () -> assertEquals(Optional.of(Map.of("device", "d1", "channel", "status")),
                        template.match("fleet/status/d1")),
                () -> assertEquals(Optional.empty(), template.match("fleet/status/x/d1")),
                () -> assertEquals(Optional.empty(), template.match("fleet//d1")));
    }

    @Test
    void deviceAsLastLevelTakesExactlyOneLevel() {
        assertEquals(Optional.empty(), TopicTemplate.parse("a/{device}").match("a/b/c"));
    }

    @Test
    void topicNamesWithWildcardsNeverMatch() {
        TopicTemplate template = TopicTemplate.parse("VSRE/{device}/{channel}");
        assertAll(
                () -> assertEquals(Optional.empty(), template.match("VSRE/+/inform")),
                () -> assertEquals(Optional.empty(), template.match("VSRE/serial-1/#")),
                () -> assertEquals(Optional.empty(), template.match("VSRE/serial-1/in+form")));
    }

    @Test
    void templateWithoutPlaceholdersMatchesOnlyItsOwnText() {
        TopicTemplate template = TopicTemplate.parse("a/b");
        assertEquals(Optional.of(Map.of()), template.match("a/b"));
        assertEquals(Optional.empty(), template.match("a/bc"));
        assertEquals(Optional.empty(), template.match("a"));
    }

    @Test
    void allThreePlaceholdersAreReturned() {
        assertEquals(Optional.of(Map.of("device", "d", "channel", "c", "command", "x")),
                TopicTemplate.parse("{command}/{device}/{channel}").match("x/d/c"));
    }

    @Test
    void dollarTopicsMatchLiterallyLikeAnyOther() {
        assertEquals(Optional.of(Map.of("device", "d")), TopicTemplate.parse("$fleet/{device}").match("$fleet/d"));
    }

    @Test
    void renderFillsCommandTopics() {
        assertAll(
                () -> assertEquals("VSR/serial-1/batch",
                        TopicTemplate.parse("VSR/{device}/batch").render(Map.of("device", "serial-1"))),
                () -> assertEquals("devices/d-17/commands",
                        TopicTemplate.parse("devices/{device}/commands").render(Map.of("device", "d-17"))),
                () -> assertEquals("VSR/serial-1/reboot", TopicTemplate.parse("VSR/{device}/{command}")
                        .render(Map.of("device", "serial-1", "command", "reboot", "channel", "ignored"))),
                () -> assertEquals("a/b/c/d", TopicTemplate.parse("a/{channel}")
                        .render(Map.of("channel", "b/c/d"))));
    }

    @Test
    void renderRejectsValuesThatAreNotOneLevel() {
        TopicTemplate template = TopicTemplate.parse("VSR/{device}/{command}");
        assertAll(
                () -> assertRenderFails(template, Map.of("device", "serial-1"), "no value for {command}"),
                () -> assertRenderFails(template, Map.of("device", "", "command", "c"), "no value for {device}"),
                () -> assertRenderFails(template, Map.of("device", "a/b", "command", "c"), "{device} holds '/'"),
                () -> assertRenderFails(template, Map.of("device", "a", "command", "c/d"), "{command} holds '/'"),
                () -> assertRenderFails(template, Map.of("device", "+", "command", "c"), "holds '+', '#'"),
                () -> assertRenderFails(template, Map.of("device", "a#", "command", "c"), "holds '+', '#'"),
                () -> assertRenderFails(template, Map.of("device", "a\0", "command", "c"), "U+0000"),
                () -> assertRenderFails(TopicTemplate.parse("a/{channel}"), Map.of("channel", "b//c"),
                        "empty level"),
                () -> assertRenderFails(TopicTemplate.parse("a/{channel}"), Map.of("channel", "b/"),
                        "empty level"),
                () -> assertRenderFails(TopicTemplate.parse("a/+/{device}"), Map.of("device", "d"),
                        "level 2 is '+'"));
    }

    @Test
    void renderedTopicMatchesItsTemplate() {
        TopicTemplate template = TopicTemplate.parse("x/{device}/y/{channel}");
        Map<String, String> values = Map.of("device", "d", "channel", "c1/c2");
        assertEquals(Optional.of(values), template.match(template.render(values)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                     | must not be empty",
            "a//b                   | level 2 is empty",
            "/a                     | level 1 is empty",
            "a/                     | level 2 is empty",
            "a/#                    | level 2: '#' is not supported",
            "a/b#                   | level 2 (b#): '+' only as a whole level",
            "a/b+/c                 | level 2 (b+): '+' only as a whole level",
            "dev-{device}/x         | level 1 (dev-{device}): a placeholder must be a whole level",
            "{device}-x             | level 1 ({device}-x): a placeholder must be a whole level",
            "a/{{device}}           | level 2 ({{device}}): a placeholder must be a whole level",
            "a/b}                   | level 2 (b}): a placeholder must be a whole level",
            "a/{name}               | level 2: unknown placeholder {name}; expected {device}, {channel} or {command}",
            "a/{}                   | level 2: unknown placeholder {}",
            "a/{Device}             | level 2: unknown placeholder {Device}",
            "{device}/{device}      | level 2: placeholder {device} appears more than once",
    })
    void invalidTemplatesAreRejectedNamingTheLevel(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TopicTemplate.parse(text));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void nulCharacterIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TopicTemplate.parse("a/\0"));
    }

    @Test
    void accessorsDescribeTheTemplate() {
        TopicTemplate template = TopicTemplate.parse("cattle.io/octopus/+/{device}");
        assertAll(
                () -> assertEquals("cattle.io/octopus/+/{device}", template.text()),
                () -> assertEquals("cattle.io/octopus/+/{device}", template.toString()),
                () -> assertTrue(template.has("device")),
                () -> assertFalse(template.has("channel")),
                () -> assertFalse(template.has("{device}")),
                () -> assertTrue(template.hasWildcardLevels()),
                () -> assertFalse(TopicTemplate.parse("a/{device}").hasWildcardLevels()));
    }

    @Test
    void templatesAreEqualByText() {
        assertEquals(TopicTemplate.parse("VSR/{device}/{channel}"), TopicTemplate.parse("VSR/{device}/{channel}"));
        assertEquals(TopicTemplate.parse("a/{device}").hashCode(), TopicTemplate.parse("a/{device}").hashCode());
        assertNotEquals(TopicTemplate.parse("VSR/{device}/{channel}"), TopicTemplate.parse("VSRE/{device}/{channel}"));
    }

    private static void assertRenderFails(TopicTemplate template, Map<String, String> values, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> template.render(values));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
