package io.hatchway.bench;

import java.util.BitSet;

/**
 * Which messages of each device were acknowledged (PUBACK with success), and how many each device sent, so that
 * soak verification can tell lost messages from ones never acknowledged. One bit per message; thread-safe per
 * device.
 */
public final class AckLedger {

    private final BitSet[] acknowledged;
    private final int[] sent;

    public AckLedger(int devices) {
        acknowledged = new BitSet[devices];
        sent = new int[devices];
        for (int i = 0; i < devices; i++) {
            acknowledged[i] = new BitSet();
        }
    }

    public int devices() {
        return acknowledged.length;
    }

    /** Message {@code sequence} of {@code device} was sent (sequences count up from 0). */
    public void sent(int device, int sequence) {
        synchronized (acknowledged[device]) {
            sent[device] = Math.max(sent[device], sequence + 1);
        }
    }

    public void acknowledged(int device, int sequence) {
        BitSet bits = acknowledged[device];
        synchronized (bits) {
            bits.set(sequence);
        }
    }

    /** How many messages {@code device} sent. */
    public int sentCount(int device) {
        synchronized (acknowledged[device]) {
            return sent[device];
        }
    }

    /** A copy of the acknowledged sequences of {@code device}. */
    public BitSet acknowledged(int device) {
        BitSet bits = acknowledged[device];
        synchronized (bits) {
            return (BitSet) bits.clone();
        }
    }

    public long acknowledgedTotal() {
        long total = 0;
        for (BitSet bits : acknowledged) {
            synchronized (bits) {
                total += bits.cardinality();
            }
        }
        return total;
    }
}
