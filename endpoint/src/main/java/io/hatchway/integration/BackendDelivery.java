package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.hatchway.mqtt.Disconnector;
import io.hatchway.mqtt.Session;
import io.hatchway.mqtt.SessionState;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * One subscription of a backend: writes the events the hub offers as PUBLISH packets on {@code topic}, per the
 * CloudEvents MQTT protocol binding. Structured mode (the default): the event's JSON as payload, content type
 * {@code application/cloudevents+json}. Binary mode (MQTT 5, asked for at CONNECT): the data as payload, the data
 * content type as Content Type, every other attribute as a User Property. Bounded: offers beyond the backend's
 * {@code maxQueued} unwritten (QoS 0) or unacknowledged (QoS 1) events are refused, and the backend is cut off
 * (MQTT 5: DISCONNECT 0x97 Quota exceeded); likewise beyond {@code maxQueuedBytes} of events (their structured size).
 */
final class BackendDelivery implements EventHub.Subscriber {

    private static final Logger LOG = LoggerFactory.getLogger(BackendDelivery.class);

    static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";
    /** How long a cut-off backend has to read its DISCONNECT before the connection is closed anyway. */
    static final long CLOSE_GRACE_SECONDS = 5;

    private final Channel channel;
    private final Backend backend;
    /** The topic of every event, or null: {@code app/<application>/<channel>} per event (wildcard filters). */
    private final String topic;
    private final MqttQoS qos;

    BackendDelivery(Channel channel, Backend backend, String topic, MqttQoS qos) {
        this.channel = channel;
        this.backend = backend;
        this.topic = topic;
        this.qos = qos;
    }

    private static final Runnable NOTHING = () -> { };

    @Override
    public boolean offer(CloudEvent event, byte[] structured) {
        return offer(event, structured, NOTHING);
    }

    @Override
    public boolean offer(CloudEvent event, byte[] structured, Runnable delivered) {
        // A connection on its way out refuses, so that another member of its group takes the event.
        if (!channel.isActive() || Session.of(channel).state() != SessionState.CONNECTED) {
            return false;
        }
        if (!backend.reserve(structured.length)) {
            return false;
        }
        channel.eventLoop().execute(() -> write(event, structured, delivered));
        return true;
    }

    @Override
    public void overflowed() {
        if (backend.cutOff()) {
            Disconnector.disconnect(Session.of(channel), MqttReasonCodes.Disconnect.QUOTA_EXCEEDED,
                    "more than " + backend.maxQueued() + " events or " + backend.maxQueuedBytes()
                            + " bytes waiting for this subscriber: it did not keep up and has lost events");
            // The DISCONNECT waits behind the backlog; a backend that reads nothing is closed regardless.
            channel.eventLoop().schedule(() -> {
                channel.close();
            }, CLOSE_GRACE_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void write(CloudEvent event, byte[] structured, Runnable delivered) {
        int bytes = structured.length;
        if (!channel.isActive() || Session.of(channel).state() != SessionState.CONNECTED) {
            backend.release(bytes);
            return;
        }
        boolean v5 = Session.of(channel).isV5();
        String name = topic != null ? topic : event.getSubject() == null ? "app/" + backend.application().name()
                : "app/" + backend.application().name() + "/" + event.getSubject();
        MqttMessageBuilders.PublishBuilder publish = MqttMessageBuilders.publish().topicName(name).qos(qos)
                .retained(false);
        if (v5 && backend.binary()) {
            CloudEventData data = event.getData();
            publish.payload(Unpooled.wrappedBuffer(data == null ? new byte[0] : data.toBytes()))
                    .properties(binaryAttributes(event));
        } else {
            publish.payload(Unpooled.wrappedBuffer(structured));
            if (v5) {
                MqttProperties properties = new MqttProperties();
                properties.add(new MqttProperties.StringProperty(
                        MqttProperties.MqttPropertyType.CONTENT_TYPE.value(), STRUCTURED_CONTENT_TYPE));
                properties.add(new MqttProperties.IntegerProperty(
                        MqttProperties.MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value(), 1));
                publish.properties(properties);
            }
        }
        if (qos == MqttQoS.AT_LEAST_ONCE) {
            if (!backend.mayWrite(() -> write(event, structured, delivered))) {
                return;
            }
            MqttPublishMessage message = publish.messageId(backend.nextPacketId(delivered, bytes)).build();
            if (tooLarge(message)) {
                backend.acknowledged(message.variableHeader().packetId());
                message.release();
                return;
            }
            channel.writeAndFlush(message);
        } else {
            MqttPublishMessage message = publish.build();
            if (tooLarge(message)) {
                backend.release(bytes);
                delivered.run();
                message.release();
                return;
            }
            channel.writeAndFlush(message).addListener(written -> {
                backend.release(bytes);
                if (written.isSuccess()) {
                    delivered.run();
                }
            });
        }
    }

    /**
     * Whether the PUBLISH is larger than the backend's Maximum Packet Size: then it is not sent [MQTT-3.1.2-24]
     * (it counts as handled, so that a shared group does not wait for it).
     */
    private boolean tooLarge(MqttPublishMessage message) {
        if (backend.maximumPacketSize() == Long.MAX_VALUE) {
            return false;
        }
        long size = 2L + ByteBufUtil.utf8Bytes(message.variableHeader().topicName()) + 2
                + message.payload().readableBytes() + 5 + propertiesLength(message.variableHeader().properties());
        if (size > backend.maximumPacketSize()) {
            LOG.debug("event of {} bytes not sent to {}: its Maximum Packet Size is {}", size, channel,
                    backend.maximumPacketSize());
            return true;
        }
        return false;
    }

    /** An upper bound of the encoded property section. */
    private static long propertiesLength(MqttProperties properties) {
        long length = 4;
        for (MqttProperties.MqttProperty<?> property : properties.listAll()) {
            if (property.value() instanceof String text) {
                length += 3 + ByteBufUtil.utf8Bytes(text);
            } else if (property.value() instanceof java.util.List<?> pairs) {
                for (Object item : pairs) {
                    MqttProperties.StringPair pair = (MqttProperties.StringPair) item;
                    length += 5 + ByteBufUtil.utf8Bytes(pair.key) + ByteBufUtil.utf8Bytes(pair.value);
                }
            } else {
                length += 5;
            }
        }
        return length;
    }

    private static MqttProperties binaryAttributes(CloudEvent event) {
        MqttProperties properties = new MqttProperties();
        if (event.getDataContentType() != null) {
            properties.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value(),
                    event.getDataContentType()));
        }
        MqttProperties.UserProperties attributes = new MqttProperties.UserProperties();
        attributes.add("specversion", event.getSpecVersion().toString());
        attributes.add("id", event.getId());
        attributes.add("source", event.getSource().toString());
        attributes.add("type", event.getType());
        if (event.getSubject() != null) {
            attributes.add("subject", event.getSubject());
        }
        if (event.getTime() != null) {
            attributes.add("time", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(event.getTime()));
        }
        if (event.getDataSchema() != null) {
            attributes.add("dataschema", event.getDataSchema().toString());
        }
        for (String name : event.getExtensionNames()) {
            Object value = event.getExtension(name);
            if (value != null) {
                attributes.add(name, value.toString());
            }
        }
        properties.add(attributes);
        return properties;
    }
}
