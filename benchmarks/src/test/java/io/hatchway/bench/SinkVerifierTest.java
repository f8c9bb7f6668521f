package io.hatchway.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SinkVerifierTest {

    private final PayloadFormat format = new PayloadFormat("abcd1234", 64);

    @Test
    void acknowledgedMessageMissingFromTheFileIsLostAndARepeatIsADuplicate(@TempDir Path dir) throws Exception {
        AckLedger ledger = new AckLedger(2);
        for (int s = 0; s < 3; s++) {
            ledger.sent(0, s);
            ledger.acknowledged(0, s);
        }
        ledger.sent(1, 0); // in flight at the end: neither acknowledged nor found
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, line(0, 0) + line(0, 1) + line(0, 1));

        Verification v = SinkVerifier.verify(new FileSinkReader(file), "abcd1234", ledger, Duration.ofMillis(300));

        assertEquals(3, v.acknowledged());
        assertEquals(2, v.found());
        assertEquals(1, v.lost());
        assertEquals(1, v.duplicated());
        assertEquals(1, v.unconfirmed());
        assertFalse(v.passed());
    }

    @Test
    void fileReaderWaitsForAPartlyWrittenLine(@TempDir Path dir) throws Exception {
        AckLedger ledger = new AckLedger(1);
        ledger.sent(0, 0);
        ledger.acknowledged(0, 0);
        Path file = dir.resolve("events.jsonl");
        String line = line(0, 0);
        Files.writeString(file, line.substring(0, 30));
        FileSinkReader reader = new FileSinkReader(file);
        MessageIdScanner scanner = new MessageIdScanner("abcd1234");
        DeliveryTally tally = new DeliveryTally(1);
        assertEquals(0, reader.readMore(scanner, tally));
        Files.writeString(file, line.substring(30), StandardOpenOption.APPEND);
        assertEquals(1, reader.readMore(scanner, tally));

        Verification v = SinkVerifier.verify(new FileSinkReader(file), "abcd1234", ledger, Duration.ofSeconds(5));
        assertTrue(v.passed());
        assertEquals(0, v.duplicated());
    }

    private String line(int device, int sequence) {
        return "{\"type\":\"io.drogue.event.v1\",\"data\":"
                + new String(format.payload(format.devicePrefix(device), sequence), StandardCharsets.US_ASCII)
                + "}\n";
    }
}
