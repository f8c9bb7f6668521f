package io.hatchway.registry;

/** The registry cannot answer now (not loaded, or its backing store is unreachable). */
public final class RegistryUnavailableException extends RuntimeException {
    public RegistryUnavailableException(String message) {
        super(message);
    }

    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
