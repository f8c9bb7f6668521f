package io.hatchway.registry;

import java.util.Objects;

/** A stored password: plain text or a bcrypt hash. {@link #toString()} never reveals it. */
public sealed interface Secret {

    record Plain(String value) implements Secret {
        public Plain {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "Plain[***]";
        }
    }

    /** A bcrypt hash in modular crypt format ({@code $2a$}, {@code $2b$} or {@code $2y$}). */
    record Bcrypt(String hash) implements Secret {
        public Bcrypt {
            Objects.requireNonNull(hash, "hash");
        }

        @Override
        public String toString() {
            return "Bcrypt[***]";
        }
    }
}
