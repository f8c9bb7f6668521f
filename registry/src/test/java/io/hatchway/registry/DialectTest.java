package io.hatchway.registry;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.registry.Dialect.Template;
import io.hatchway.registry.Dialect.Template.PublishPattern;
import io.hatchway.registry.Dialect.Template.PublishTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DialectTest {

    private static final Template EDGE = new Template(List.of(
            new PublishPattern(TopicTemplate.parse("VSRE/{device}/{channel}")),
            new PublishPattern(TopicTemplate.parse("VSR/{device}/{channel}")),
            new PublishPattern(TopicTemplate.parse("cattle.io/octopus/+/{device}"), "status")),
            TopicTemplate.parse("VSR/{device}/{command}"));

    @Test
    void firstMatchingPublishPatternGivesDeviceAndChannel() {
        assertAll(
                () -> assertEquals(Optional.of(new PublishTarget("serial-1", "config/confirm")),
                        EDGE.matchPublish("VSRE/serial-1/config/confirm")),
                () -> assertEquals(Optional.of(new PublishTarget("serial-1", "inform")),
                        EDGE.matchPublish("VSR/serial-1/inform")),
                () -> assertEquals(Optional.of(new PublishTarget("dev-a", "status")),
                        EDGE.matchPublish("cattle.io/octopus/default/dev-a")),
                () -> assertEquals(Optional.empty(), EDGE.matchPublish("VSRX/serial-1/inform")),
                () -> assertEquals(Optional.empty(), EDGE.matchPublish("VSR/serial-1")));
    }

    @Test
    void earlierPatternWinsWhenSeveralMatch() {
        Template template = new Template(List.of(
                new PublishPattern(TopicTemplate.parse("devices/{device}/telemetry"), "telemetry"),
                new PublishPattern(TopicTemplate.parse("devices/{device}/{channel}"))),
                TopicTemplate.parse("devices/{device}/commands"));
        assertEquals(Optional.of(new PublishTarget("d-17", "telemetry")),
                template.matchPublish("devices/d-17/telemetry"));
        assertEquals(Optional.of(new PublishTarget("d-17", "state")), template.matchPublish("devices/d-17/state"));
    }

    @Test
    void commandTopicIncludesTheCommandOnlyWhenTheTemplateHasIt() {
        Template batch = new Template(EDGE.publish(), TopicTemplate.parse("VSR/{device}/batch"));
        Template adapter = new Template(EDGE.publish(), TopicTemplate.parse("devices/{device}/commands"));
        assertAll(
                () -> assertTrue(EDGE.commandInTopic()),
                () -> assertEquals("VSR/serial-1/reboot", EDGE.commandTopic("serial-1", "reboot")),
                () -> assertFalse(batch.commandInTopic()),
                () -> assertEquals("VSR/serial-1/batch", batch.commandTopic("serial-1", "reboot")),
                () -> assertFalse(adapter.commandInTopic()),
                () -> assertEquals("devices/d-17/commands", adapter.commandTopic("d-17", "set")),
                () -> assertThrows(IllegalArgumentException.class, () -> EDGE.commandTopic("a/b", "reboot")),
                () -> assertThrows(IllegalArgumentException.class, () -> EDGE.commandTopic("serial-1", "x/y")));
    }

    @Test
    void publishPatternRules() {
        assertAll(
                () -> assertPatternFails("a/{channel}", null, "needs a {device} level"),
                () -> assertPatternFails("a/{device}", null, "needs a {channel} level or a fixed channel"),
                () -> assertPatternFails("a/{device}/{channel}", "status", "both a {channel} level and a fixed"),
                () -> assertPatternFails("a/{device}/{command}", "status", "{command} is only for the commands"),
                () -> assertPatternFails("a/{device}", "", "must not be empty"));
    }

    @Test
    void templateRules() {
        List<PublishPattern> publish = EDGE.publish();
        assertAll(
                () -> assertTemplateFails(List.of(), "VSR/{device}", "at least one publish pattern"),
                () -> assertTemplateFails(publish, "VSR/{command}", "needs a {device} level"),
                () -> assertTemplateFails(publish, "VSR/{device}/{channel}", "{channel} is for publish patterns"),
                () -> assertTemplateFails(publish, "VSR/+/{device}", "'+' is not allowed"));
    }

    @Test
    void typesAreNamedAsInTheRegistry() {
        assertEquals("drogue/v1", Dialect.DROGUE_V1.type());
        assertEquals("plainTopic", new Dialect.PlainTopic(true).type());
        assertEquals("template", EDGE.type());
    }

    @Test
    void dialectsAreEqualByConfiguration() {
        Template same = new Template(List.of(
                new PublishPattern(TopicTemplate.parse("VSRE/{device}/{channel}"), null),
                new PublishPattern(TopicTemplate.parse("VSR/{device}/{channel}")),
                new PublishPattern(TopicTemplate.parse("cattle.io/octopus/+/{device}"), "status")),
                TopicTemplate.parse("VSR/{device}/{command}"));
        assertEquals(EDGE, same);
        assertEquals(EDGE.hashCode(), same.hashCode());
        assertEquals(new Dialect.DrogueV1(), Dialect.DROGUE_V1);
        assertFalse(new Dialect.PlainTopic(true).equals(new Dialect.PlainTopic(false)));
    }

    @Test
    void effectiveDialectIsTheDevicesThenTheApplicationsThenDrogueV1() {
        Application plain = new Application("plain-app", false, List.of(),
                new ApplicationMqtt(new Dialect.PlainTopic(false), Duration.ofSeconds(120), Takeover.REPLACE));
        Device inherits = new Device("plain-app", "d1", false, List.of(), List.of(), Set.of());
        Device overrides = new Device("plain-app", "d2", false, List.of(), List.of(), Set.of(), Optional.of(EDGE));
        Device orphan = new Device("gone-app", "d3", false, List.of(), List.of(), Set.of());
        RegistrySnapshot snapshot = new IndexedSnapshot(0, List.of(plain), List.of(inherits, overrides),
                Map.of(), Map.of());
        assertEquals(new Dialect.PlainTopic(false), snapshot.effectiveDialect(inherits));
        assertEquals(EDGE, snapshot.effectiveDialect(overrides));
        assertEquals(Dialect.DROGUE_V1, snapshot.effectiveDialect(orphan));
    }

    @Test
    void applicationMqttRequiresAPositiveThreshold() {
        assertThrows(IllegalArgumentException.class,
                () -> new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ZERO, Takeover.REPLACE));
        assertThrows(IllegalArgumentException.class,
                () -> new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ofSeconds(-1), Takeover.REPLACE));
        assertEquals(new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ofMinutes(2), Takeover.REPLACE),
                ApplicationMqtt.DEFAULTS);
    }

    @Test
    void devicesDifferingOnlyInDialectAreNotEqual() {
        Device plain = new Device("app", "d", false, List.of(), List.of(), Set.of(),
                Optional.of(new Dialect.PlainTopic(false)));
        Device prefixed = new Device("app", "d", false, List.of(), List.of(), Set.of(),
                Optional.of(new Dialect.PlainTopic(true)));
        assertFalse(plain.equals(prefixed));
        assertEquals(new Device("app", "d", false, List.of(), List.of(), Set.of()),
                new Device("app", "d", false, List.of(), List.of(), Set.of(), Optional.empty()));
    }

    private static void assertPatternFails(String topic, String channel, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PublishPattern(TopicTemplate.parse(topic), channel));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static void assertTemplateFails(List<PublishPattern> publish, String commands, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Template(publish, TopicTemplate.parse(commands)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
