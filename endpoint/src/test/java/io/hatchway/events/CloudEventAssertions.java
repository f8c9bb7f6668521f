package io.hatchway.events;

import io.cloudevents.CloudEvent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Compares CloudEvents by what they carry, whatever their implementation (the mapper's or one read back). */
final class CloudEventAssertions {

    private CloudEventAssertions() {
    }

    static void assertSameEvent(CloudEvent expected, CloudEvent actual) {
        assertEquals(expected.getSpecVersion(), actual.getSpecVersion());
        assertEquals(expected.getId(), actual.getId());
        assertEquals(expected.getType(), actual.getType());
        assertEquals(expected.getSource(), actual.getSource());
        assertEquals(expected.getSubject(), actual.getSubject());
        assertEquals(expected.getTime().toInstant(), actual.getTime().toInstant());
        assertEquals(expected.getDataContentType(), actual.getDataContentType());
        assertEquals(expected.getDataSchema(), actual.getDataSchema());
        assertEquals(expected.getExtensionNames(), actual.getExtensionNames());
        for (String name : expected.getExtensionNames()) {
            assertEquals(expected.getExtension(name), actual.getExtension(name), name);
        }
        assertArrayEquals(expected.getData().toBytes(), actual.getData().toBytes());
    }
}
