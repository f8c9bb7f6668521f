package io.hatchway.bench;

/**
 * What soak verification found in the sink.
 *
 * @param source              what was read ({@link SinkReader#describe()})
 * @param acknowledged        messages acknowledged by the server
 * @param found               distinct messages of the run found in the sink
 * @param lost                acknowledged but not found: the failure soak verification exists to catch
 * @param duplicated          extra copies found of messages already found
 * @param unacknowledgedFound found although not acknowledged (in flight at the end, or the PUBACK failed)
 * @param unconfirmed         sent, neither acknowledged nor found (QoS 0, or in flight when the connection ended)
 * @param unexpected          ids of this run that were never sent (should be 0)
 * @param waitedSeconds       how long the sink was read
 */
public record Verification(String source, long acknowledged, long found, long lost, long duplicated,
                           long unacknowledgedFound, long unconfirmed, long unexpected, double waitedSeconds) {

    /** Whether every acknowledged message reached the sink. */
    public boolean passed() {
        return lost == 0;
    }
}
