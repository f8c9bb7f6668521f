package io.hatchway.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicFiltersTest {

    private static final TopicTemplate EDGE_COMMANDS = TopicTemplate.parse("VSR/{device}/{command}");
    private static final TopicTemplate EDGE_BATCH = TopicTemplate.parse("VSR/{device}/batch");
    private static final TopicTemplate ADAPTER_COMMANDS = TopicTemplate.parse("devices/{device}/commands");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // the examples of MQTT 5 section 4.7.1
            "sport/tennis/player1/#     | sport/tennis/player1",
            "sport/tennis/player1/#     | sport/tennis/player1/ranking",
            "sport/tennis/player1/#     | sport/tennis/player1/score/wimbledon",
            "sport/#                    | sport",
            "'#'                          | sport/tennis",
            "'#'                          | /",
            "sport/tennis/+             | sport/tennis/player1",
            "sport/+                    | sport/",
            "+/+                        | /finance",
            "/+                         | /finance",
            "+/tennis/#                 | sport/tennis",
            "+                          | sport",
            "+/monitor/Clients          | monitor/monitor/Clients",
            "$SYS/#                     | $SYS/monitor/Clients",
            "$SYS/monitor/+             | $SYS/monitor/Clients",
            "$SYS                       | $SYS",
            "VSR/+/batch                | VSR/serial-1/batch",
            "VSR/serial-1/#             | VSR/serial-1/batch",
            "devices/d-17/commands      | devices/d-17/commands",
            "a//b                       | a//b",
            "a/+/b                      | a//b",
    })
    void filterMatches(String filter, String topic) {
        assertTrue(TopicFilters.filterMatches(filter, topic), filter + " should match " + topic);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "sport/tennis/+             | sport/tennis/player1/ranking",
            "sport/tennis/+             | sport/tennis",
            "sport/+                    | sport",
            "+                          | /finance",
            "+                          | sport/tennis",
            "sport/tennis               | sport/tennis/",
            "sport/tennis/              | sport/tennis",
            "Sport/#                    | sport/tennis",
            "sport/tennis               | sport/tenni",
            "sport/tenni                | sport/tennis",
            "'#'                          | $SYS/monitor/Clients",
            "+/monitor/Clients          | $SYS/monitor/Clients",
            "+                          | $SYS",
            "VSR/+/batch                | VSR/serial-1/reboot",
            "VSR/serial-2/#             | VSR/serial-1/batch",
            // invalid filters or topic names match nothing
            "sport/tennis#              | sport/tennis",
            "sport/#/ranking            | sport/x/ranking",
            "sport+                     | sport",
            "''                         | sport",
            "'#'                          | ''",
            "sport/+                    | sport/+",
            "'#'                          | sport/#",
    })
    void filterDoesNotMatch(String filter, String topic) {
        assertFalse(TopicFilters.filterMatches(filter, topic), filter + " should not match " + topic);
    }

    @ParameterizedTest
    @ValueSource(strings = {"#", "+", "a/#", "+/+", "/", "//", "a/+/b/#", "$SYS/#", "a//b"})
    void validFilters(String filter) {
        assertTrue(TopicFilters.isValidFilter(filter), filter);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "#/a", "a#", "a/b#", "+a", "a/++", "a/#/", "a/\0"})
    void invalidFilters(String filter) {
        assertFalse(TopicFilters.isValidFilter(filter), filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a/b      | true",
            "/        | true",
            "$SYS/x   | true",
            "''       | false",
            "a/+      | false",
            "a/#      | false",
    })
    void topicNameValidity(String topic, boolean valid) {
        assertEquals(valid, TopicFilters.isValidTopicName(topic), topic);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "VSR/serial-1/batch    | true",
            "VSR/serial-1/+        | true",
            "VSR/serial-1/#        | true",
            "VSR/+/batch           | true",
            "VSR/#                 | true",
            "VSR/+/+               | true",
            "+/+/+                 | true",
            "'#'                     | true",
            "+/#                   | true",
            "VSR/serial-1          | false",
            "VSR/serial-1/batch/x  | false",
            "VSR/serial-1/         | false",
            "VSR//batch            | false",
            "VSRE/serial-1/batch   | false",
            "VSR/+                 | false",
            "+/+                   | false",
            "+/+/+/+               | false",
            "VSR/serial-1/batch#   | false",
    })
    void couldMatchEdgeCommands(String filter, boolean expected) {
        assertEquals(expected, TopicFilters.couldMatch(filter, EDGE_COMMANDS), filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "VSR/serial-1/batch    | true",
            "VSR/serial-1/+        | true",
            "VSR/serial-1/reboot   | false",
            "devices/+/commands    | false",
    })
    void couldMatchFixedCommandLevel(String filter, boolean expected) {
        assertEquals(expected, TopicFilters.couldMatch(filter, EDGE_BATCH), filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "$fleet/d/cmd   | true",
            "$fleet/+/cmd   | true",
            "$fleet/#       | true",
            "'#'              | false",
            "+/d/cmd        | false",
            "+/#            | false",
    })
    void wildcardFirstLevelNeverReachesDollarCommandTopics(String filter, boolean expected) {
        assertEquals(expected, TopicFilters.couldMatch(filter, TopicTemplate.parse("$fleet/{device}/cmd")), filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a/x          | true",
            "a/x/y/z      | true",
            "a/+/#        | true",
            "a            | false",
            "a/           | false",
            "a/x//z       | false",
    })
    void couldMatchMultiLevelTail(String filter, boolean expected) {
        assertEquals(expected, TopicFilters.couldMatch(filter, TopicTemplate.parse("a/{channel}")), filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "VSR/serial-1/batch   | serial-1",
            "VSR/serial-1/+       | serial-1",
            "VSR/serial-1/#       | serial-1",
            "VSR/+/batch          | ''",
            "VSR/#                | ''",
            "'#'                    | ''",
            "+/serial-1/batch     | serial-1",
            "VSR/serial-1         | ''",
            "VSRE/serial-1/batch  | ''",
            "VSR/serial-1/a/b     | ''",
    })
    void deviceOfEdgeCommands(String filter, String device) {
        assertEquals(device.isEmpty() ? Optional.empty() : Optional.of(device),
                TopicFilters.deviceOf(filter, EDGE_COMMANDS), filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "devices/d-17/commands   | d-17",
            "devices/d-17/#          | d-17",
            "devices/+/commands      | ''",
            "devices/d-17/telemetry  | ''",
            "devices/#               | ''",
    })
    void deviceOfAdapterCommands(String filter, String device) {
        assertEquals(device.isEmpty() ? Optional.empty() : Optional.of(device),
                TopicFilters.deviceOf(filter, ADAPTER_COMMANDS), filter);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "d1/cmd     | d1",
            "+/cmd      | ''",
            "'#'          | ''",
    })
    void deviceOfFirstLevel(String filter, String device) {
        assertEquals(device.isEmpty() ? Optional.empty() : Optional.of(device),
                TopicFilters.deviceOf(filter, TopicTemplate.parse("{device}/cmd")), filter);
    }

    @Test
    void deviceOfIsEmptyForATemplateWithoutDevice() {
        assertEquals(Optional.empty(), TopicFilters.deviceOf("a/b", TopicTemplate.parse("a/{command}")));
    }
}
