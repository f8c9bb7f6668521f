package io.hatchway.bench;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;

import java.util.concurrent.CompletionException;

/** Turns the HiveMQ client's exceptions into {@link LoadFailure} reasons. */
final class HiveMqFailures {

    private HiveMqFailures() {
    }

    static LoadFailure of(Throwable t) {
        Throwable cause = t;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof LoadFailure failure) {
            return failure;
        }
        if (cause instanceof Mqtt5ConnAckException e) {
            var code = e.getMqttMessage().getReasonCode();
            return LoadFailure.code("connack", code.name(), code.getCode());
        }
        if (cause instanceof Mqtt3ConnAckException e) {
            var code = e.getMqttMessage().getReturnCode();
            return LoadFailure.code("connack", code.name(), code.getCode());
        }
        if (cause instanceof Mqtt5PubAckException e) {
            var code = e.getMqttMessage().getReasonCode();
            return LoadFailure.code("puback", code.name(), code.getCode());
        }
        if (cause instanceof Mqtt5DisconnectException e) {
            Mqtt5Disconnect disconnect = e.getMqttMessage();
            return LoadFailure.code("disconnect", disconnect.getReasonCode().name(),
                    disconnect.getReasonCode().getCode());
        }
        if (cause instanceof Mqtt3DisconnectException || cause instanceof ConnectionClosedException) {
            return LoadFailure.closed();
        }
        if (cause instanceof ConnectionFailedException && cause.getCause() != null) {
            return new LoadFailure("io:" + cause.getCause().getClass().getSimpleName(), cause);
        }
        return new LoadFailure(LoadFailure.reasonOf(cause), cause);
    }
}
