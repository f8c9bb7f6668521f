package io.hatchway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PayloadFormatTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void payloadIsOneJsonObjectOfExactlyTheRequestedSize() throws Exception {
        PayloadFormat format = new PayloadFormat("abcd1234", 64);
        byte[] payload = format.payload(format.devicePrefix(12), 3456);
        assertEquals(64, payload.length);
        JsonNode json = JSON.readTree(payload);
        assertEquals("abcd1234", json.get("run").asText());
        assertEquals(12, json.get("d").asInt());
        assertEquals(3456, json.get("s").asInt());
    }

    @Test
    void minimumSizeHoldsTheLargestSequenceOfTheLastDevice() {
        int size = PayloadFormat.minimumSize(1000);
        PayloadFormat format = new PayloadFormat("abcd1234", size);
        assertEquals(size, format.payload(format.devicePrefix(999), Integer.MAX_VALUE).length);
        PayloadFormat tooSmall = new PayloadFormat("abcd1234", size - 1);
        assertThrows(IllegalArgumentException.class,
                () -> tooSmall.payload(tooSmall.devicePrefix(999), Integer.MAX_VALUE));
    }

    @Test
    void scannerFindsIdsOfItsRunInAFileSinkLineAndSkipsOtherRuns() {
        PayloadFormat format = new PayloadFormat("abcd1234", 80);
        PayloadFormat other = new PayloadFormat("zzzz9999", 80);
        String line = "{\"specversion\":\"1.0\",\"id\":\"x\",\"data\":"
                + new String(format.payload(format.devicePrefix(7), 42), StandardCharsets.US_ASCII) + "}\n"
                + "{\"data\":" + new String(other.payload(other.devicePrefix(1), 1), StandardCharsets.US_ASCII) + "}\n"
                + "{\"data\":" + new String(format.payload(format.devicePrefix(0), 0), StandardCharsets.US_ASCII) + "}";
        byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
        List<String> found = new ArrayList<>();
        int count = new MessageIdScanner("abcd1234").scan(bytes, 0, bytes.length, (d, s) -> found.add(d + "/" + s));
        assertEquals(2, count);
        assertEquals(List.of("7/42", "0/0"), found);
    }
}
