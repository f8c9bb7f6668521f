package io.hatchway.bench;

import java.time.Duration;
import java.util.BitSet;

/**
 * Reads the sink until every acknowledged message of the run was found or the timeout passed, then compares what
 * was found with what was sent and acknowledged ({@link AckLedger}).
 */
final class SinkVerifier {

    private static final long POLL_MILLIS = 200;

    private SinkVerifier() {
    }

    static Verification verify(SinkReader reader, String runId, AckLedger ledger, Duration timeout)
            throws Exception {
        MessageIdScanner scanner = new MessageIdScanner(runId);
        DeliveryTally tally = new DeliveryTally(ledger.devices());
        long acknowledged = ledger.acknowledgedTotal();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            reader.readMore(scanner, tally);
            if (missing(ledger, tally) == 0 || System.nanoTime() - deadline >= 0) {
                break;
            }
            Thread.sleep(POLL_MILLIS);
        }
        reader.readMore(scanner, tally); // late duplicates
        double waited = (System.nanoTime() - start) / 1e9;

        long found = 0;
        long lost = 0;
        long unacknowledgedFound = 0;
        long unconfirmed = 0;
        long unexpected = tally.foreign();
        for (int device = 0; device < ledger.devices(); device++) {
            BitSet acked = ledger.acknowledged(device);
            BitSet seen = tally.seen(device);
            int sent = ledger.sentCount(device);
            found += seen.cardinality();
            BitSet missing = (BitSet) acked.clone();
            missing.andNot(seen);
            lost += missing.cardinality();
            BitSet extra = (BitSet) seen.clone();
            extra.andNot(acked);
            unexpected += extra.cardinality() - extra.get(0, sent).cardinality();
            unacknowledgedFound += extra.get(0, sent).cardinality();
            BitSet known = (BitSet) acked.clone();
            known.or(seen);
            unconfirmed += sent - known.get(0, sent).cardinality();
        }
        return new Verification(reader.describe(), acknowledged, found, lost, tally.duplicated(),
                unacknowledgedFound, unconfirmed, unexpected, waited);
    }

    private static long missing(AckLedger ledger, DeliveryTally tally) {
        long missing = 0;
        for (int device = 0; device < ledger.devices(); device++) {
            BitSet acked = ledger.acknowledged(device);
            acked.andNot(tally.seen(device));
            missing += acked.cardinality();
        }
        return missing;
    }
}
