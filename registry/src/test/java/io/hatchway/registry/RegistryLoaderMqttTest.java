package io.hatchway.registry;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hatchway.registry.Dialect.Template;
import io.hatchway.registry.Dialect.Template.PublishPattern;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code spec.mqtt} of applications and devices: dialects, offline threshold and takeover. */
class RegistryLoaderMqttTest {

    @TempDir
    Path dir;

    @Test
    void applicationWithoutMqttHasTheDefaults() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                  - metadata: { name: empty-mqtt }
                    spec: { mqtt: {} }
                  - metadata: { name: null-mqtt }
                    spec:
                      mqtt:
                devices:
                  - metadata: { name: device1, application: my-app }
                """);
        assertAll(
                () -> assertEquals(ApplicationMqtt.DEFAULTS, snapshot.application("my-app").orElseThrow().mqtt()),
                () -> assertEquals(ApplicationMqtt.DEFAULTS, snapshot.application("empty-mqtt").orElseThrow().mqtt()),
                () -> assertEquals(ApplicationMqtt.DEFAULTS, snapshot.application("null-mqtt").orElseThrow().mqtt()),
                () -> assertEquals(Dialect.DROGUE_V1, ApplicationMqtt.DEFAULTS.dialect()),
                () -> assertEquals(Duration.ofSeconds(120), ApplicationMqtt.DEFAULTS.offlineThreshold()),
                () -> assertEquals(Takeover.REPLACE, ApplicationMqtt.DEFAULTS.takeover()),
                () -> assertEquals(Optional.empty(), device(snapshot, "my-app", "device1").dialect()),
                () -> assertEquals(Dialect.DROGUE_V1,
                        snapshot.effectiveDialect(device(snapshot, "my-app", "device1"))));
    }

    @Test
    void allApplicationSettingsAreRead() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect: plainTopic
                        offlineThreshold: 2m
                        takeover: reject
                """);
        assertEquals(new ApplicationMqtt(new Dialect.PlainTopic(false), Duration.ofMinutes(2), Takeover.REJECT),
                snapshot.application("my-app").orElseThrow().mqtt());
    }

    @Test
    void quotasAreRead() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        maxConnections: 1000
                        maxPayloadSize: 65536
                        rateLimit: { messagesPerSecond: 100, bytesPerSecond: 1048576 }
                  - metadata: { name: messages-only }
                    spec: { mqtt: { rateLimit: { messagesPerSecond: 5 } } }
                """);
        ApplicationMqtt mqtt = snapshot.application("my-app").orElseThrow().mqtt();
        assertEquals(1000, mqtt.maxConnections());
        assertEquals(65536, mqtt.maxPayloadSize());
        assertEquals(Optional.of(new ApplicationMqtt.RateLimit(100, 1048576)), mqtt.rateLimit());
        ApplicationMqtt.RateLimit messagesOnly =
                snapshot.application("messages-only").orElseThrow().mqtt().rateLimit().orElseThrow();
        assertEquals(5, messagesOnly.messagesPerSecond());
        assertTrue(messagesOnly.bytesPerSecond() > 1L << 32, "no byte limit: " + messagesOnly);
        assertEquals(Integer.MAX_VALUE, ApplicationMqtt.DEFAULTS.maxConnections());
        assertEquals(Optional.empty(), ApplicationMqtt.DEFAULTS.rateLimit());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "maxConnections: 0                  | maxConnections | expected a whole number from 1 to 2147483647",
            "maxConnections: many               | maxConnections | expected a whole number from 1 to 2147483647",
            "maxPayloadSize: 268435456          | maxPayloadSize | expected a whole number from 1 to 268435455",
            "maxPayloadSize: 1.5                | maxPayloadSize | expected a whole number from 1 to 268435455",
            "rateLimit: {}                      | rateLimit      | set messagesPerSecond, bytesPerSecond or both",
            "rateLimit: { messagesPerSecond: -1 } | rateLimit.messagesPerSecond | expected a whole number from 1",
            "rateLimit: { perMinute: 5 }        | rateLimit.perMinute | unknown",
    })
    void invalidQuotaIsRejectedNamingTheKey(String written, String key, String problem) throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt: { WRITTEN }
                """.replace("WRITTEN", written)), 4, "applications[0].spec.mqtt." + key, problem);
    }

    @Test
    void unsetApplicationSettingsKeepTheirDefaults() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec: { mqtt: { takeover: replace } }
                  - metadata: { name: other-app }
                    spec: { mqtt: { offlineThreshold: 500ms } }
                """);
        assertEquals(ApplicationMqtt.DEFAULTS, snapshot.application("my-app").orElseThrow().mqtt());
        assertEquals(new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ofMillis(500), Takeover.REPLACE),
                snapshot.application("other-app").orElseThrow().mqtt());
    }

    @ParameterizedTest
    @CsvSource({"500ms, PT0.5S", "10s, PT10S", "2m, PT2M", "1h, PT1H", "120s, PT2M"})
    void durationsTakeAUnit(String written, Duration expected) throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec: { mqtt: { offlineThreshold: WRITTEN } }
                """.replace("WRITTEN", written));
        assertEquals(expected, snapshot.application("my-app").orElseThrow().mqtt().offlineThreshold());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "120          | expected a duration such as 500ms, 10s, 2m or 1h (a number needs a unit)",
            "'\"120\"'    | expected a duration such as 500ms, 10s, 2m or 1h",
            "2 m          | expected a duration such as 500ms, 10s, 2m or 1h",
            "1d           | expected a duration such as 500ms, 10s, 2m or 1h",
            "-5s          | expected a duration such as 500ms, 10s, 2m or 1h",
            "1.5s         | expected a duration such as 500ms, 10s, 2m or 1h",
            "10000000000s | expected a duration such as 500ms, 10s, 2m or 1h",
            "0s           | must be positive",
            "true         | expected a duration such as 500ms, 10s, 2m or 1h",
    })
    void invalidOfflineThresholdIsRejected(String written, String problem) throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        offlineThreshold: WRITTEN
                """.replace("WRITTEN", written)), 5, "applications[0].spec.mqtt.offlineThreshold", problem);
    }

    @Test
    void unknownTakeoverIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt: { takeover: newest }
                """), 4, "applications[0].spec.mqtt.takeover", "expected replace or reject");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt: { takeover: Reject }
                """), 4, "applications[0].spec.mqtt.takeover", "expected replace or reject");
    }

    @Test
    void unknownKeyInApplicationMqttIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect: drogue/v1
                        keepAlive: 30s
                """), 6, "applications[0].spec.mqtt.keepAlive",
                "unknown key; expected one of dialect, offlineThreshold, takeover");
    }

    @Test
    void everyDialectFormIsRead() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: a-string }
                    spec: { mqtt: { dialect: drogue/v1 } }
                  - metadata: { name: a-map }
                    spec: { mqtt: { dialect: { type: drogue/v1 } } }
                  - metadata: { name: plain-string }
                    spec: { mqtt: { dialect: plainTopic } }
                  - metadata: { name: plain-map }
                    spec: { mqtt: { dialect: { type: plainTopic } } }
                  - metadata: { name: plain-prefix }
                    spec: { mqtt: { dialect: { type: plainTopic, devicePrefix: true } } }
                  - metadata: { name: plain-no-prefix }
                    spec: { mqtt: { dialect: { type: plainTopic, devicePrefix: false } } }
                """);
        assertAll(
                () -> assertEquals(Dialect.DROGUE_V1, dialectOf(snapshot, "a-string")),
                () -> assertEquals(Dialect.DROGUE_V1, dialectOf(snapshot, "a-map")),
                () -> assertEquals(new Dialect.PlainTopic(false), dialectOf(snapshot, "plain-string")),
                () -> assertEquals(new Dialect.PlainTopic(false), dialectOf(snapshot, "plain-map")),
                () -> assertEquals(new Dialect.PlainTopic(true), dialectOf(snapshot, "plain-prefix")),
                () -> assertEquals(new Dialect.PlainTopic(false), dialectOf(snapshot, "plain-no-prefix")));
    }

    @Test
    void templateDialectIsReadWithItsPatternsInOrder() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: edge }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish:
                            - "VSRE/{device}/{channel}"
                            - VSR/{device}/{channel}
                            - { topic: "cattle.io/octopus/+/{device}", channel: status }
                          commands: "VSR/{device}/{command}"
                  - metadata: { name: adapters }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish: [ { topic: "devices/{device}/telemetry", channel: telemetry } ]
                          commands: devices/{device}/commands
                """);
        assertEquals(new Template(List.of(
                        new PublishPattern(TopicTemplate.parse("VSRE/{device}/{channel}")),
                        new PublishPattern(TopicTemplate.parse("VSR/{device}/{channel}")),
                        new PublishPattern(TopicTemplate.parse("cattle.io/octopus/+/{device}"), "status")),
                        TopicTemplate.parse("VSR/{device}/{command}")),
                dialectOf(snapshot, "edge"));
        Template adapters = (Template) dialectOf(snapshot, "adapters");
        assertEquals(Optional.of(new Template.PublishTarget("d-17", "telemetry")),
                adapters.matchPublish("devices/d-17/telemetry"));
        assertEquals("devices/d-17/commands", adapters.commandTopic("d-17", "set"));
    }

    @Test
    void deviceDialectOverridesItsApplications() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: my-app }
                    spec: { mqtt: { dialect: { type: plainTopic, devicePrefix: true }, takeover: reject } }
                devices:
                  - metadata: { name: inherits, application: my-app }
                  - metadata: { name: own, application: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish: [ "devices/{device}/{channel}" ]
                          commands: "devices/{device}/commands"
                  - metadata: { name: empty-mqtt, application: my-app }
                    spec: { mqtt: {} }
                  - metadata: { name: back-to-drogue, application: my-app }
                    spec: { mqtt: { dialect: drogue/v1 } }
                """);
        Template own = new Template(List.of(new PublishPattern(TopicTemplate.parse("devices/{device}/{channel}"))),
                TopicTemplate.parse("devices/{device}/commands"));
        assertAll(
                () -> assertEquals(new Dialect.PlainTopic(true),
                        snapshot.effectiveDialect(device(snapshot, "my-app", "inherits"))),
                () -> assertEquals(Optional.of(own), device(snapshot, "my-app", "own").dialect()),
                () -> assertEquals(own, snapshot.effectiveDialect(device(snapshot, "my-app", "own"))),
                () -> assertEquals(Optional.empty(), device(snapshot, "my-app", "empty-mqtt").dialect()),
                () -> assertEquals(new Dialect.PlainTopic(true),
                        snapshot.effectiveDialect(device(snapshot, "my-app", "empty-mqtt"))),
                () -> assertEquals(Dialect.DROGUE_V1,
                        snapshot.effectiveDialect(device(snapshot, "my-app", "back-to-drogue"))));
    }

    @Test
    void deviceMqttOnlyHoldsADialect() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      mqtt:
                        takeover: reject
                """), 7, "devices[0].spec.mqtt.takeover",
                "unknown key; expected one of dialect (offlineThreshold and takeover are application settings)");
    }

    @Test
    void invalidDeviceDialectNamesTheDevicesField() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                devices:
                  - metadata: { name: device1, application: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish: [ "devices/{device}/telemetry" ]
                          commands: "devices/{device}/commands"
                """), 9, "devices[0].spec.mqtt.dialect.publish[0]",
                "needs a {channel} level or a fixed channel");
    }

    @Test
    void unknownDialectNameIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect: drogue/v2
                """), 5, "applications[0].spec.mqtt.dialect",
                "unknown dialect; expected drogue/v1, plainTopic or template");
    }

    @Test
    void unknownDialectTypeIsRejectedAtTheType() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: hono
                """), 6, "applications[0].spec.mqtt.dialect.type",
                "unknown dialect type; expected drogue/v1, plainTopic or template");
    }

    @Test
    void templateAsAPlainStringIsRejectedWithTheShapeItNeeds() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { mqtt: { dialect: template } }
                """), 3, "applications[0].spec.mqtt.dialect",
                "a template dialect is a mapping: { type: template, publish: [ ... ], commands: ... }");
    }

    @Test
    void dialectMappingWithoutTypeIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          devicePrefix: true
                """), 6, "applications[0].spec.mqtt.dialect.type", "required but missing");
    }

    @Test
    void dialectOfTheWrongTypeIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec: { mqtt: { dialect: [ drogue/v1 ] } }
                """), 3, "applications[0].spec.mqtt.dialect",
                "expected drogue/v1, plainTopic or a mapping with a type");
    }

    @Test
    void keyOfAnotherDialectTypeIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: plainTopic
                          commands: "VSR/{device}"
                """), 7, "applications[0].spec.mqtt.dialect.commands",
                "unknown key; expected one of type, devicePrefix (for type plainTopic)");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          devicePrefix: true
                          type: drogue/v1
                """), 6, "applications[0].spec.mqtt.dialect.devicePrefix",
                "unknown key; expected one of type (for type drogue/v1)");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          devicePrefix: true
                """), 7, "applications[0].spec.mqtt.dialect.devicePrefix",
                "unknown key; expected one of type, publish, commands (for type template)");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          subscribe: []
                """), 7, "applications[0].spec.mqtt.dialect.subscribe",
                "unknown key; expected one of type, devicePrefix, publish, commands");
    }

    @Test
    void nonBooleanDevicePrefixIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect: { type: plainTopic, devicePrefix: "yes" }
                """), 5, "applications[0].spec.mqtt.dialect.devicePrefix", "expected true or false");
    }

    @Test
    void templateWithoutPublishOrCommandsIsRejected() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          commands: "VSR/{device}/{command}"
                """), 6, "applications[0].spec.mqtt.dialect.publish", "required but missing");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish: [ "VSR/{device}/{channel}" ]
                """), 6, "applications[0].spec.mqtt.dialect.commands", "required but missing");
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish: []
                          commands: "VSR/{device}/{command}"
                """), 7, "applications[0].spec.mqtt.dialect.publish", "needs at least one publish pattern");
    }

    /** Each row: a publish list item (YAML), and the field path suffix and problem of the error it causes. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'\"VSR/{channel}\"'                               | [2]        | needs a {device} level",
            "'\"VSR/{device}\"'                                | [2]        | needs a {channel} level or a fixed",
            "'{ topic: \"VSR/{device}\" }'                     | [2].topic  | needs a {channel} level or a fixed",
            "'{ topic: \"VSR/{device}/{channel}\", channel: s }' | [2].channel | use either it or a fixed channel",
            "'{ topic: \"VSR/{device}\", channel: \"\" }'      | [2].channel | must not be empty",
            "'{ channel: status }'                             | [2].topic  | required but missing",
            "'{ topic: \"VSR/{device}\", chanel: s }'          | [2].chanel | unknown key; expected one of topic",
            "'\"VSR/{device}/{channel}/#\"'                    | [2]        | level 4: '#' is not supported",
            "'\"VSR/#\"'                                       | [2]        | level 2: '#' is not supported",
            "'\"VSR/{device}/+x\"'                             | [2]        | level 3 (+x): '+' only as a whole level",
            "'\"VSR/dev-{device}/{channel}\"'                  | [2]        | level 2 (dev-{device}): a placeholder",
            "'\"VSR/{serial}/{channel}\"'                      | [2]        | level 2: unknown placeholder {serial}",
            "'\"VSR/{device}/{device}/{channel}\"'             | [2]        | level 3: placeholder {device} appears",
            "'\"VSR//{device}/{channel}\"'                     | [2]        | level 2 is empty",
            "'\"/VSR/{device}/{channel}\"'                     | [2]        | level 1 is empty",
            "'\"VSR/{device}/{channel}/\"'                     | [2]        | level 4 is empty",
            "'\"VSR/{device}/{command}\"'                      | [2]        | {command} is only for the commands",
            "'{ topic: \"VSR/{device}/{command}\", channel: s }' | [2].topic | {command} is only for the commands",
            "'\"\"'                                            | [2]        | must not be empty",
            "42                                                | [2]        | expected a topic template or { topic",
            "'[ a ]'                                           | [2]        | expected a topic template or { topic",
    })
    void invalidPublishPatternIsRejectedAtItsLineAndField(String item, String field, String problem)
            throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish:
                            - "VSRE/{device}/{channel}"
                            - VSR/{device}/{channel}
                            - ITEM
                          commands: "VSR/{device}/{command}"
                """.replace("ITEM", item)), 10, "applications[0].spec.mqtt.dialect.publish" + field, problem);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'\"VSR/{command}\"'                   | needs a {device} level",
            "'\"VSR/{device}/{channel}\"'          | {channel} is for publish patterns",
            "'\"VSR/+/{device}\"'                  | '+' is not allowed",
            "'\"VSR/{device}/#\"'                  | level 3: '#' is not supported",
            "'\"VSR/{device}/{command}/{command}\"' | level 4: placeholder {command} appears more than once",
            "'\"VSR/{device}/{cmd}\"'              | level 3: unknown placeholder {cmd}",
            "'\"VSR/{device}-{command}\"'          | level 2 ({device}-{command}): a placeholder must be a whole",
            "'\"VSR//{device}\"'                   | level 2 is empty",
            "'[ \"VSR/{device}\" ]'                | expected a string",
    })
    void invalidCommandsTemplateIsRejectedAtItsLine(String commands, String problem) throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: my-app }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish:
                            - "VSR/{device}/{channel}"
                          commands: COMMANDS
                """.replace("COMMANDS", commands)), 9, "applications[0].spec.mqtt.dialect.commands", problem);
    }

    @Test
    void errorInASecondApplicationNamesItsIndex() throws IOException {
        assertError(loadFails("""
                applications:
                  - metadata: { name: good }
                    spec: { mqtt: { dialect: plainTopic } }
                  - metadata: { name: bad }
                    spec:
                      mqtt:
                        dialect:
                          type: template
                          publish:
                            - { topic: "cattle.io/octopus/+/{device}", channel: status }
                            - { topic: "cattle.io/octopus/{device}/#" }
                          commands: "cattle.io/octopus/set/{device}"
                """), 11, "applications[1].spec.mqtt.dialect.publish[1].topic", "level 4: '#' is not supported");
    }

    @Test
    void applicationsDifferingOnlyInMqttAreNotEqual() throws Exception {
        RegistrySnapshot snapshot = load("""
                applications:
                  - metadata: { name: a }
                    spec: { mqtt: { takeover: reject } }
                """);
        Application loaded = snapshot.application("a").orElseThrow();
        assertEquals(new Application("a", false, List.of(),
                new ApplicationMqtt(Dialect.DROGUE_V1, Duration.ofSeconds(120), Takeover.REJECT)), loaded);
        assertTrue(!loaded.equals(new Application("a", false)));
    }

    private static Dialect dialectOf(RegistrySnapshot snapshot, String application) {
        return snapshot.application(application).orElseThrow().mqtt().dialect();
    }

    private static Device device(RegistrySnapshot snapshot, String application, String name) {
        return snapshot.device(application, name).orElseThrow();
    }

    private RegistrySnapshot load(String yaml) throws IOException, RegistryException {
        return RegistryLoader.load(Files.writeString(dir.resolve("registry.yaml"), yaml));
    }

    private RegistryException loadFails(String yaml) throws IOException {
        Path file = Files.writeString(dir.resolve("registry.yaml"), yaml);
        return assertThrows(RegistryException.class, () -> RegistryLoader.load(file));
    }

    private void assertError(RegistryException e, int line, String field, String problem) {
        assertAll(e.getMessage(),
                () -> assertEquals(line, e.line(), "line"),
                () -> assertEquals(field, e.field(), "field"),
                () -> assertTrue(e.problem().contains(problem), "problem"),
                () -> assertTrue(e.getMessage().startsWith(dir.resolve("registry.yaml") + ":" + line + ":"),
                        "message names file and line"));
    }
}
