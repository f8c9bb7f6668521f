package io.hatchway.events;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.data.BytesCloudEventData;

import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A CloudEvent 1.0 as {@link EventMapper} builds it: the attributes and the five extensions Hatchway sets, as plain
 * fields. It replaces the CloudEvents SDK's builder on the per-publish path, which copies every extension into a
 * hash map per event (about half a kilobyte). The values that are derived — the id's text, the source as a
 * {@link URI}, the time as an {@link OffsetDateTime}, the partition key — are computed when a sink reads them: for the
 * file and stdout sinks on their writer thread (which writes the source text as it is), for the Kafka and HTTP sinks
 * when they serialize the event in {@code send}. Every SDK writer (JSON format, Kafka, HTTP) reads events through the
 * {@link CloudEvent} interface, so they serialize it like any other.
 *
 * <p>Immutable and thread-safe: derived values are computed per call and always equal.
 */
final class DeviceEvent implements CloudEvent {

    /** In the order the SDK builder's hash map iterated them, so serialized events keep their former layout. */
    private static final Set<String> EXTENSION_NAMES = Collections.unmodifiableSet(new HashSet<>(List.of(
            EventMapper.EXT_APPLICATION, EventMapper.EXT_DEVICE, EventMapper.EXT_SENDER,
            EventMapper.EXT_PARTITION_KEY, EventMapper.EXT_INSTANCE)));

    private final long idHigh;
    private final long idLow;
    private final String type;
    private final String subject;
    private final Instant time;
    private final String dataContentType;
    private final BytesCloudEventData data;
    private final String application;
    private final String device;
    private final String sender;
    private final String instance;

    /**
     * @param idHigh the most significant bits of the id, a UUID
     * @param idLow the least significant bits of the id
     * @param data the payload; wrapped, not copied
     */
    DeviceEvent(long idHigh, long idLow, String type, String subject, Instant time,
                String dataContentType, byte[] data, String application, String device, String sender,
                String instance) {
        this.idHigh = idHigh;
        this.idLow = idLow;
        this.type = Objects.requireNonNull(type, "type");
        this.subject = Objects.requireNonNull(subject, "subject");
        this.time = Objects.requireNonNull(time, "time");
        this.dataContentType = Objects.requireNonNull(dataContentType, "dataContentType");
        this.data = BytesCloudEventData.wrap(Objects.requireNonNull(data, "data"));
        this.application = Objects.requireNonNull(application, "application");
        this.device = Objects.requireNonNull(device, "device");
        this.sender = Objects.requireNonNull(sender, "sender");
        this.instance = Objects.requireNonNull(instance, "instance");
    }

    @Override
    public CloudEventData getData() {
        return data;
    }

    @Override
    public SpecVersion getSpecVersion() {
        return SpecVersion.V1;
    }

    @Override
    public String getId() {
        return new UUID(idHigh, idLow).toString();
    }

    @Override
    public String getType() {
        return type;
    }

    @Override
    public URI getSource() {
        return URI.create(sourceText());
    }

    /** The text of {@link #getSource()}, without parsing it into a URI. */
    String sourceText() {
        return EventMapper.sourceText(application, device);
    }

    @Override
    public String getDataContentType() {
        return dataContentType;
    }

    @Override
    public URI getDataSchema() {
        return null;
    }

    @Override
    public String getSubject() {
        return subject;
    }

    /** The arrival time in UTC. */
    @Override
    public OffsetDateTime getTime() {
        return OffsetDateTime.ofInstant(time, ZoneOffset.UTC);
    }

    @Override
    public Object getAttribute(String name) {
        return switch (name) {
            case "specversion" -> getSpecVersion();
            case "id" -> getId();
            case "type" -> type;
            case "source" -> getSource();
            case "datacontenttype" -> dataContentType;
            case "dataschema" -> null;
            case "subject" -> subject;
            case "time" -> getTime();
            default -> throw new IllegalArgumentException("CloudEvents 1.0 has no attribute '" + name + "'");
        };
    }

    @Override
    public Object getExtension(String name) {
        return switch (name) {
            case EventMapper.EXT_APPLICATION -> application;
            case EventMapper.EXT_DEVICE -> device;
            case EventMapper.EXT_SENDER -> sender;
            case EventMapper.EXT_PARTITION_KEY -> application + '/' + sender;
            case EventMapper.EXT_INSTANCE -> instance;
            default -> null;
        };
    }

    @Override
    public Set<String> getExtensionNames() {
        return EXTENSION_NAMES;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeviceEvent that
                && idHigh == that.idHigh && idLow == that.idLow
                && type.equals(that.type) && subject.equals(that.subject)
                && time.equals(that.time) && dataContentType.equals(that.dataContentType)
                && Arrays.equals(data.toBytes(), that.data.toBytes())
                && application.equals(that.application) && device.equals(that.device)
                && sender.equals(that.sender) && instance.equals(that.instance);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(idHigh ^ idLow);
    }

    @Override
    public String toString() {
        return "DeviceEvent{id=" + getId() + ", type=" + type + ", source=" + sourceText() + ", subject=" + subject
                + ", time=" + time + ", datacontenttype=" + dataContentType + ", data=" + data.toBytes().length
                + " bytes, sender=" + sender + ", instance=" + instance + '}';
    }
}
