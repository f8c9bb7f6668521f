package io.hatchway.integration;

import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.hatchway.mqtt.Disconnector;
import io.hatchway.mqtt.Session;
import io.hatchway.mqtt.SessionState;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

import java.time.format.DateTimeFormatter;

/**
 * One subscription of a backend: writes the events the hub offers as PUBLISH packets on {@code topic}, per the
 * CloudEvents MQTT protocol binding. Structured mode (the default): the event's JSON as payload, content type
 * {@code application/cloudevents+json}. Binary mode (MQTT 5, asked for at CONNECT): the data as payload, the data
 * content type as Content Type, every other attribute as a User Property. Bounded: offers beyond the backend's
 * {@code maxQueued} unwritten (QoS 0) or unacknowledged (QoS 1) events are refused, and the backend is cut off
 * (MQTT 5: DISCONNECT 0x97 Quota exceeded).
 */
final class BackendDelivery implements EventHub.Subscriber {

    static final String STRUCTURED_CONTENT_TYPE = "application/cloudevents+json";

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
        if (backend.queued().incrementAndGet() > backend.maxQueued()) {
            backend.queued().decrementAndGet();
            return false;
        }
        channel.eventLoop().execute(() -> write(event, structured, delivered));
        return true;
    }

    @Override
    public void overflowed() {
        if (backend.cutOff()) {
            Disconnector.disconnect(Session.of(channel), MqttReasonCodes.Disconnect.QUOTA_EXCEEDED,
                    "more than " + backend.maxQueued() + " events waiting for this subscriber: it did not keep up"
                            + " and has lost events");
        }
    }

    private void write(CloudEvent event, byte[] structured, Runnable delivered) {
        if (!channel.isActive() || Session.of(channel).state() != SessionState.CONNECTED) {
            backend.queued().decrementAndGet();
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
            publish.messageId(backend.nextPacketId(delivered));
            channel.writeAndFlush(publish.build());
        } else {
            MqttPublishMessage message = publish.build();
            channel.writeAndFlush(message).addListener(written -> {
                backend.queued().decrementAndGet();
                if (written.isSuccess()) {
                    delivered.run();
                }
            });
        }
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
