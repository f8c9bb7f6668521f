package io.hatchway.registry;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The registry file cannot be used: it is unreadable, not valid YAML, or violates the registry schema or one of its
 * rules (duplicate names, unknown application, ...).
 *
 * <p>The message is a single line naming the file, the line and column (1-based) and the field path, for example
 * {@code registry.yaml:14:11: devices[0].spec.authentication.credentials[1].pass: expected a string or
 * { bcrypt: ... } or { plain: ... }}. It never contains a password or a key.
 */
public final class RegistryException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final int column;
    private final String field;
    private final String problem;

    /** A problem at a known position; {@code field} may be empty for the document root. */
    RegistryException(Path file, int line, int column, String field, String problem) {
        super(format(file, line, column, field, problem));
        this.file = Objects.requireNonNull(file, "file");
        this.line = line;
        this.column = column;
        this.field = Objects.requireNonNull(field, "field");
        this.problem = oneLine(problem);
    }

    /** A problem with the file as a whole (it cannot be read), with no position. */
    RegistryException(Path file, String problem, Throwable cause) {
        super(format(file, 0, 0, "", problem), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.line = 0;
        this.column = 0;
        this.field = "";
        this.problem = oneLine(problem);
    }

    /** The registry file, as it was given to the loader. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the offending node, or 0 when the problem is with the file as a whole. */
    public int line() {
        return line;
    }

    /** The 1-based column of the offending node, or 0 when the problem is with the file as a whole. */
    public int column() {
        return column;
    }

    /** The field path, e.g. {@code devices[0].spec.alias[1]}; empty for the document root or the whole file. */
    public String field() {
        return field;
    }

    /** What is wrong, without file, position or field path. */
    public String problem() {
        return problem;
    }

    private static String format(Path file, int line, int column, String field, String problem) {
        StringBuilder message = new StringBuilder(String.valueOf(file));
        if (line > 0) {
            message.append(':').append(line).append(':').append(column);
        }
        message.append(": ");
        if (!field.isEmpty()) {
            message.append(field).append(": ");
        }
        return message.append(oneLine(problem)).toString();
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
