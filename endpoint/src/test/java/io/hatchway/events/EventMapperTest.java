package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventMapperTest {

    private static final OffsetDateTime ARRIVAL = OffsetDateTime.of(2024, 5, 17, 12, 30, 45, 123_456_789,
            ZoneOffset.ofHours(2));

    private final EventMapper mapper = new EventMapper("hatchway-1");

    private CloudEvent map(byte[] payload, String contentType) {
        return mapper.map("app", "device", "gateway", "telemetry", payload, contentType, ARRIVAL.toInstant());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void mapsEveryDrogueAttributeAndExtension() {
        byte[] payload = utf8("{\"temp\":21.5}");

        CloudEvent event = mapper.map("my-app", "dev ice/ü", "gw 1", "state", payload, null, ARRIVAL.toInstant());

        assertEquals(SpecVersion.V1, event.getSpecVersion());
        assertEquals(UUID.fromString(event.getId()).toString(), event.getId());
        assertEquals("io.drogue.event.v1", event.getType());
        assertEquals(URI.create("drogue://my-app/dev%20ice%2F%C3%BC"), event.getSource());
        assertEquals("state", event.getSubject());
        assertEquals(ARRIVAL.toInstant(), event.getTime().toInstant());
        assertEquals(ZoneOffset.UTC, event.getTime().getOffset());
        assertEquals("application/json", event.getDataContentType());
        assertEquals(Set.of("application", "device", "sender", "partitionkey", "instance"),
                event.getExtensionNames());
        assertEquals("my-app", event.getExtension("application"));
        assertEquals("dev ice/ü", event.getExtension("device"));
        assertEquals("gw 1", event.getExtension("sender"));
        assertEquals("my-app/gw 1", event.getExtension("partitionkey"));
        assertEquals("hatchway-1", event.getExtension("instance"));
        assertArrayEquals(payload, event.getData().toBytes());
    }

    @Test
    void sourcePercentEncodesEverythingButUnreservedCharactersInApplicationAndDevice() {
        CloudEvent event = mapper.map("my app", "AZaz09-._~:@!+%ü€", "s", "c", new byte[0], null, ARRIVAL.toInstant());

        assertEquals("drogue://my%20app/AZaz09-._~%3A%40%21%2B%25%C3%BC%E2%82%AC", event.getSource().toString());
    }

    @Test
    void everyEventGetsAFreshId() {
        assertNotEquals(map(new byte[0], null).getId(), map(new byte[0], null).getId());
    }

    @Test
    void mqttContentTypeIsKeptAsGiven() {
        byte[] payload = {(byte) 0xFF, 0, 1};

        CloudEvent event = map(payload, "Image/PNG; foo=bar");

        assertEquals("Image/PNG; foo=bar", event.getDataContentType());
        assertArrayEquals(payload, event.getData().toBytes());
    }

    @Test
    void mqttContentTypeWinsOverJsonDetection() {
        assertEquals("text/plain", map(utf8("{\"a\":1}"), "text/plain").getDataContentType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1}", "42", "\"x\"", "[1, {\"b\": [true, null]}]", "false", "  -1.5e3 \n",
        "\t{}\r\n"})
    void payloadThatIsOneJsonValueWithoutContentTypeIsApplicationJson(String payload) {
        CloudEvent event = map(utf8(payload), null);

        assertEquals("application/json", event.getDataContentType());
        assertArrayEquals(utf8(payload), event.getData().toBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{\"a\":1} x", "{\"a\":1}{}", "1 2", "{\"a\":1", "{'a':1}", "NaN", "01",
        "hello", "\"unterminated", "\"tab\tinside\"", "{\"a\":1} // comment"})
    void payloadThatIsNotOneJsonValueWithoutContentTypeIsOctetStream(String payload) {
        assertEquals("application/octet-stream", map(utf8(payload), null).getDataContentType());
    }

    @Test
    void binaryPayloadsThatJacksonCouldMisreadAreOctetStream() {
        byte[] invalidUtf8 = {'"', (byte) 0xFF, '"'};
        byte[] utf16 = "{\"a\":1}".getBytes(StandardCharsets.UTF_16BE);
        byte[] utf8WithByteOrderMark = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '4', '2'};

        assertEquals("application/octet-stream", map(invalidUtf8, null).getDataContentType());
        assertEquals("application/octet-stream", map(utf16, null).getDataContentType());
        assertEquals("application/octet-stream", map(utf8WithByteOrderMark, null).getDataContentType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "APPLICATION/JSON", "application/json; charset=utf-8",
        "application/vnd.x+json; charset=utf-8", "text/foo+JSON"})
    void jsonContentTypeWithInvalidPayloadIsRejected(String contentType) {
        InvalidPayloadException e = assertThrows(InvalidPayloadException.class,
                () -> map(utf8("{\"a\":1} x"), contentType));

        assertTrue(e.getMessage().contains(contentType), e.getMessage());
        assertTrue(e.getMessage().contains("not a single JSON value"), e.getMessage());
    }

    @Test
    void jsonContentTypeWithEmptyPayloadIsRejected() {
        assertThrows(InvalidPayloadException.class, () -> map(new byte[0], "application/json"));
    }

    @Test
    void vendorJsonContentTypeWithValidPayloadIsKept() {
        CloudEvent event = map(utf8("{\"a\":1}"), "application/vnd.x+json; charset=utf-8");

        assertEquals("application/vnd.x+json; charset=utf-8", event.getDataContentType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/jsonx", "application/+json", "+json", "application/octet-stream",
        "text/json"})
    void nonJsonContentTypeAcceptsAnyPayload(String contentType) {
        assertEquals(contentType, map(utf8("{not json"), contentType).getDataContentType());
    }

    @Test
    void missingArgumentsAreRejected() {
        assertThrows(NullPointerException.class, () -> new EventMapper(null));
        assertThrows(NullPointerException.class,
                () -> mapper.map("a", null, "s", "c", new byte[0], null, ARRIVAL.toInstant()));
        assertThrows(NullPointerException.class,
                () -> mapper.map("a", "d", "s", "c", null, null, ARRIVAL.toInstant()));
        assertThrows(NullPointerException.class,
                () -> mapper.map("a", "d", "s", "c", new byte[0], null, null));
    }
}
