package io.hatchway.bench;

import java.util.Objects;

/**
 * Why a connection attempt or a publish failed, as a short reason that the progress line and summary count by:
 * {@code connack:BAD_USER_NAME_OR_PASSWORD(0x86)}, {@code puback:QUOTA_EXCEEDED(0x97)},
 * {@code disconnect:SESSION_TAKEN_OVER(0x8E)}, {@code closed}, {@code timeout}, {@code io:SSLHandshakeException}.
 */
public final class LoadFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String reason;

    public LoadFailure(String reason) {
        super(reason, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public LoadFailure(String reason, Throwable cause) {
        super(reason, cause, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public String reason() {
        return reason;
    }

    /** A connection closed without a reason code. */
    public static LoadFailure closed() {
        return new LoadFailure("closed");
    }

    /** Something took longer than allowed. */
    public static LoadFailure timeout() {
        return new LoadFailure("timeout");
    }

    /** {@code kind:NAME(0xNN)}, e.g. for a reason code of a CONNACK, PUBACK or DISCONNECT. */
    public static LoadFailure code(String kind, String name, int code) {
        return new LoadFailure(kind + ":" + name + "(0x" + String.format("%02X", code) + ")");
    }

    /** The reason of any throwable: a {@code LoadFailure}'s own, or {@code io:} and the exception's class name. */
    public static String reasonOf(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof LoadFailure failure) {
            return failure.reason();
        }
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return "timeout";
        }
        return "io:" + cause.getClass().getSimpleName();
    }
}
