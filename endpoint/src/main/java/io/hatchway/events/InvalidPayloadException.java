package io.hatchway.events;

/**
 * A payload does not match the content type it declares, e.g. a publish with MQTT 5 Content Type
 * {@code application/json} whose payload is not one JSON value. The message is rejected, as Drogue Cloud rejects it;
 * an MQTT 5 publish handler maps this to reason code 0x99 (Payload format invalid).
 */
public class InvalidPayloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong with the payload, safe to return to the device
     */
    public InvalidPayloadException(String message) {
        super(message);
    }
}
