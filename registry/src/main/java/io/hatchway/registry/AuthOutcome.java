package io.hatchway.registry;

import java.util.Objects;

/** The result of authenticating a connecting device. */
public sealed interface AuthOutcome {

    /** The device is who it says it is, and it and its application are enabled. */
    record Authenticated(Application application, Device device) implements AuthOutcome {
        public Authenticated {
            Objects.requireNonNull(application, "application");
            Objects.requireNonNull(device, "device");
        }
    }

    /**
     * Refused, with a reason the endpoint maps to a CONNACK code and a message safe to show the client (it never
     * says whether a device exists when the password was wrong).
     */
    record Refused(Reason reason, String message) implements AuthOutcome {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }

    enum Reason {
        /** Unknown application or device, no matching credential, or a wrong password. */
        BAD_CREDENTIALS,
        /** The application or the device is disabled. */
        DISABLED,
        /** The registry could not be consulted. */
        UNAVAILABLE
    }
}
