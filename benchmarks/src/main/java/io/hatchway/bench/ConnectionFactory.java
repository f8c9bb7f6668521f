package io.hatchway.bench;

/**
 * Creates the connections of a run, all with the same target, transport, MQTT version, topic and QoS; owns what
 * they share (I/O threads, TLS context) and releases it on {@link #close}.
 */
public interface ConnectionFactory extends AutoCloseable {

    /** A new, not yet connected connection for {@code device}. */
    LoadConnection create(DeviceLogin device);

    @Override
    void close();
}
