package io.hatchway.bench;

/** A command line the load tool cannot run; the message names the option and what it accepts. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
