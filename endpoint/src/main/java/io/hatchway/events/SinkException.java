package io.hatchway.events;

/**
 * An {@link EventSink} could not accept an event: the sink is closed, its output failed, or the event could not be
 * serialised. The event is not durably stored and the caller must not acknowledge it to the device.
 */
public class SinkException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, for logs
     */
    public SinkException(String message) {
        super(message);
    }

    /**
     * @param message what failed, for logs
     * @param cause the underlying failure
     */
    public SinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
