package io.hatchway.config;

/** The configuration file is missing or invalid; the message names the file and the key, on one line. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
