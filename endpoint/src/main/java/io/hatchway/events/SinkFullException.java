package io.hatchway.events;

/**
 * An {@link EventSink}'s bounded buffer is full. The sink itself is healthy; it is the back-pressure signal, raised
 * at once instead of blocking the caller. A publish handler maps it to "quota exceeded" / "server busy" rather than
 * to an internal error.
 */
public class SinkFullException extends SinkException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was full, for logs
     */
    public SinkFullException(String message) {
        super(message);
    }
}
