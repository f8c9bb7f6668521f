package io.hatchway.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a Hatchway registry file ({@code io.hatchway.registry.RegistryLoader}'s format) holding one application
 * and the run's devices, each with its password as a plain {@code pass} credential. Strings are written as YAML
 * double-quoted scalars, so any name or password survives.
 */
public final class RegistryWriter {

    private RegistryWriter() {
    }

    /**
     * @param devices devices with a password ({@link DeviceLogin#password()} present)
     * @throws IllegalArgumentException if a device has no password
     */
    public static void write(Path file, String app, List<DeviceLogin> devices) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("# Written by hatchway-bench: " + devices.size() + " devices with plain passwords.\n");
            out.write("applications:\n");
            out.write("  - metadata: { name: " + quote(app) + " }\n");
            out.write("devices:\n");
            for (DeviceLogin device : devices) {
                String password = device.password().orElseThrow(
                        () -> new IllegalArgumentException("device " + device.name() + " has no password"));
                out.write("  - metadata: { name: " + quote(device.name()) + ", application: " + quote(app) + " }\n");
                out.write("    spec:\n");
                out.write("      authentication:\n");
                out.write("        credentials:\n");
                out.write("          - pass: " + quote(password) + "\n");
            }
        }
    }

    /** A YAML double-quoted scalar. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
