package io.hatchway.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link Summary} as text for people and as JSON for scripts. */
public final class SummaryReport {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SummaryReport() {
    }

    public static String text(Summary s) {
        Summary.Target t = s.target();
        Summary.Connections c = s.connections();
        Summary.Publishing p = s.publishing();
        StringBuilder out = new StringBuilder();
        out.append(f("run %s: %s://%s:%d  client %s  MQTT %s  QoS %d  %d B  %d devices  %s%n", s.run(),
                t.transport(), t.host(), t.port(), t.client(), t.mqtt() == 5 ? "5" : "3.1.1", t.qos(),
                t.payloadBytes(), t.devices(), mode(t)));
        out.append(f("connections  %,d accepted of %,d (%,d failed, %,d lost later) in %.2f s: %,.0f connects/s;"
                        + " CONNACK us p50 %,d p99 %,d%n", c.accepted(), c.attempted(), c.failed(), c.lost(),
                c.rampSeconds(), c.connectsPerSecond(), c.latency().p50(), c.latency().p99()));
        out.append(f("publishing   %.2f s%s: sent %,d (%,.0f/s), acknowledged %,d (%,.0f/s), failed %,d,"
                        + " unacknowledged %,d, skipped %,d%n", p.seconds(),
                p.warmupSeconds() > 0 ? f(" after %.0f s warm-up", p.warmupSeconds()) : "", p.sent(), p.sentPerSecond(),
                p.acknowledged(), p.acknowledgedPerSecond(), p.failed(), p.unacknowledged(), p.skipped()));
        Summary.Latency l = s.latency();
        out.append(f("latency us   %s p50 %,d  p90 %,d  p99 %,d  p99.9 %,d  max %,d  mean %,.0f (%,d samples)%n",
                t.qos() == 1 ? "PUBACK" : "write", l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.mean(),
                l.count()));
        out.append(cpu("cpu ramp     ", c.cpu(), "connection"));
        out.append(cpu("cpu publish  ", s.cpu(), "msg"));
        out.append("errors       ").append(s.errors().isEmpty() ? "none" : errors(s.errors())).append('\n');
        s.verification().ifPresent(v -> out.append(f("verification %s: %s; acknowledged %,d, found %,d, lost %,d,"
                        + " duplicated %,d, found unacknowledged %,d, unconfirmed %,d, unexpected %,d (%.1f s)%n",
                v.source(), v.passed() ? "PASSED" : "FAILED", v.acknowledged(), v.found(), v.lost(), v.duplicated(),
                v.unacknowledgedFound(), v.unconfirmed(), v.unexpected(), v.waitedSeconds())));
        return out.toString();
    }

    public static String json(Summary s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("run", s.run());
        root.set("target", JSON.valueToTree(s.target()));
        Summary.Connections c = s.connections();
        ObjectNode connections = root.putObject("connections");
        connections.put("attempted", c.attempted());
        connections.put("accepted", c.accepted());
        connections.put("failed", c.failed());
        connections.put("lost", c.lost());
        connections.put("rampSeconds", c.rampSeconds());
        connections.put("connectsPerSecond", c.connectsPerSecond());
        connections.set("latencyMicros", JSON.valueToTree(c.latency()));
        root.set("publishing", JSON.valueToTree(s.publishing()));
        root.set("latencyMicros", JSON.valueToTree(s.latency()));
        connections.set("cpu", cpuJson(s.connections().cpu(), "PerConnection"));
        root.set("cpu", cpuJson(s.cpu(), "PerMessage"));
        root.set("errors", JSON.valueToTree(s.errors()));
        s.verification().ifPresent(v -> {
            ObjectNode node = JSON.valueToTree(v);
            node.put("passed", v.passed());
            root.set("verification", node);
        });
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("summary not serialisable", e);
        }
    }

    public static void writeJson(Summary s, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, json(s));
    }

    private static String mode(Summary.Target t) {
        return switch (t.mode()) {
            case "rate" -> f("rate %,d msg/s (window %d)", t.rate(), t.window());
            case "idle" -> "idle (no publishing)";
            default -> f("window %d", t.window());
        };
    }

    private static String cpu(String label, Summary.Cpu cpu, String item) {
        if (cpu.generatorSeconds().isEmpty()) {
            return "";
        }
        StringBuilder line = new StringBuilder(label).append(f("generator %.2f s (%s us/%s)",
                cpu.generatorSeconds().getAsDouble(), micros(cpu.generatorMicrosPerItem()), item));
        cpu.serverSeconds().ifPresent(seconds -> line.append(f(", server %.2f s (%s us/%s)", seconds,
                micros(cpu.serverMicrosPerItem()), item)));
        return line.append('\n').toString();
    }

    /** {@code generatorSeconds}, {@code generatorMicrosPer<item>} and the same for the server, where known. */
    private static ObjectNode cpuJson(Summary.Cpu cpu, String perItem) {
        ObjectNode node = JSON.createObjectNode();
        cpu.generatorSeconds().ifPresent(v -> node.put("generatorSeconds", v));
        cpu.generatorMicrosPerItem().ifPresent(v -> node.put("generatorMicros" + perItem, v));
        cpu.serverSeconds().ifPresent(v -> node.put("serverSeconds", v));
        cpu.serverMicrosPerItem().ifPresent(v -> node.put("serverMicros" + perItem, v));
        return node;
    }

    private static String micros(java.util.OptionalDouble value) {
        return value.isPresent() ? f("%.1f", value.getAsDouble()) : "-";
    }

    private static String errors(Map<String, Long> errors) {
        StringBuilder out = new StringBuilder();
        errors.forEach((reason, count) -> out.append(out.length() == 0 ? "" : ", ").append(reason).append(' ')
                .append(f("%,d", count)));
        return out.toString();
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
