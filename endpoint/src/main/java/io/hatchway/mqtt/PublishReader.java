package io.hatchway.mqtt;

import io.cloudevents.CloudEvent;
import io.hatchway.dialect.TopicDialect;
import io.hatchway.registry.RegistrySnapshot;
import io.hatchway.dialect.PublishTarget;
import io.hatchway.events.EventMapper;
import io.hatchway.events.InvalidPayloadException;
import io.hatchway.metrics.EndpointMetrics.PublishOutcome;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodes;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads what a PUBLISH means: the connection's dialect gives channel and target device, the gateway rule decides
 * whether the connected device may speak for it, the payload is checked against what the client declared, and the
 * result is the CloudEvent to send, or why the publish is refused. Event-loop only (it uses the session's gateway cache).
 */
final class PublishReader {

    /** What became of a PUBLISH. */
    sealed interface Result {
    }

    record Accepted(CloudEvent event) implements Result {
    }

    /** @param code the MQTT 5 PUBACK/PUBREC reason code */
    record Refused(PublishOutcome outcome, byte code, String reason) implements Result {
    }

    private PublishReader() {
    }

    static Result read(Session session, MqttPublishMessage publish, EventMapper mapper, RegistrySnapshot snapshot,
                       MqttLimits limits) {
        String topic = publish.variableHeader().topicName();
        String beyond = TopicLimits.violation(topic, limits);
        if (beyond != null) {
            return new Refused(PublishOutcome.INVALID_TOPIC, MqttReasonCodes.PubAck.TOPIC_NAME_INVALID.byteValue(),
                    beyond);
        }
        int maxPayload = session.application().mqtt().maxPayloadSize();
        if (publish.payload().readableBytes() > maxPayload) {
            return new Refused(PublishOutcome.OVER_QUOTA, MqttReasonCodes.PubAck.QUOTA_EXCEEDED.byteValue(),
                    "payload of " + publish.payload().readableBytes() + " bytes, more than the " + maxPayload
                            + " bytes application '" + session.application().name() + "' allows (maxPayloadSize)");
        }
        TopicDialect dialect = session.dialect(snapshot);
        Optional<PublishTarget> target = dialect.parse(topic);
        if (target.isEmpty()) {
            return new Refused(PublishOutcome.INVALID_TOPIC, MqttReasonCodes.PubAck.TOPIC_NAME_INVALID.byteValue(),
                    dialect.expected());
        }
        String self = session.device().name();
        Optional<String> device = target.get().forSelf() ? Optional.of(self)
                : session.gateways().authorize(target.get().device());
        if (device.isEmpty()) {
            return new Refused(PublishOutcome.NOT_AUTHORIZED, MqttReasonCodes.PubAck.NOT_AUTHORIZED.byteValue(),
                    "'" + self + "' may not publish for '" + target.get().device() + "'");
        }
        MqttProperties properties = publish.variableHeader().properties();
        if (session.isV5() && declaresUtf8(properties)
                && !ByteBufUtil.isText(publish.payload(), StandardCharsets.UTF_8)) {
            return invalidPayload("payload format indicator says UTF-8, but the payload is not well-formed UTF-8");
        }
        try {
            return new Accepted(mapper.map(session.application().name(), device.get(), self,
                    target.get().channel(), ByteBufUtil.getBytes(publish.payload()),
                    session.isV5() ? contentType(properties) : null, session.receivedAt()));
        } catch (InvalidPayloadException e) {
            return invalidPayload(e.getMessage());
        }
    }

    private static Refused invalidPayload(String reason) {
        return new Refused(PublishOutcome.INVALID_PAYLOAD, MqttReasonCodes.PubAck.PAYLOAD_FORMAT_INVALID.byteValue(),
                reason);
    }

    private static boolean declaresUtf8(MqttProperties properties) {
        MqttProperties.MqttProperty<?> indicator =
                properties.getProperty(MqttProperties.MqttPropertyType.PAYLOAD_FORMAT_INDICATOR.value());
        return indicator != null && Integer.valueOf(1).equals(indicator.value());
    }

    private static String contentType(MqttProperties properties) {
        MqttProperties.MqttProperty<?> property =
                properties.getProperty(MqttProperties.MqttPropertyType.CONTENT_TYPE.value());
        return property == null ? null : (String) property.value();
    }
}
