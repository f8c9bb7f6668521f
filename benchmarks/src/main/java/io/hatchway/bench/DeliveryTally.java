package io.hatchway.bench;

import java.util.BitSet;

/**
 * Counts the run's messages found in a sink: which ids arrived, and how many arrived more than once. Ids of
 * devices outside the run are counted apart. Used by one reader thread.
 */
final class DeliveryTally implements MessageIdScanner.IdConsumer {

    private final BitSet[] seen;
    private long duplicated;
    private long foreign;

    DeliveryTally(int devices) {
        seen = new BitSet[devices];
        for (int i = 0; i < devices; i++) {
            seen[i] = new BitSet();
        }
    }

    @Override
    public void accept(int device, int sequence) {
        if (device >= seen.length) {
            foreign++;
            return;
        }
        if (seen[device].get(sequence)) {
            duplicated++;
        } else {
            seen[device].set(sequence);
        }
    }

    BitSet seen(int device) {
        return seen[device];
    }

    long duplicated() {
        return duplicated;
    }

    /** Ids naming a device index the run does not have. */
    long foreign() {
        return foreign;
    }
}
