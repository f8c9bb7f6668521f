package io.hatchway.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * CPU time used so far, in nanoseconds: by this JVM (the load generator), or by another process read from Linux's
 * {@code /proc/PID/stat} ({@code --server-pid}), so a run can report CPU per message on both sides.
 */
public interface CpuClock {

    /** CPU time used so far, if it can be read. */
    OptionalLong cpuNanos();

    /** This JVM's CPU time. */
    static CpuClock self() {
        return () -> {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                long nanos = os.getProcessCpuTime();
                return nanos >= 0 ? OptionalLong.of(nanos) : OptionalLong.empty();
            }
            return OptionalLong.empty();
        };
    }

    /** The CPU time of process {@code pid}, from {@code /proc/PID/stat} (user + system, in clock ticks of 10 ms). */
    static CpuClock process(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        return () -> {
            try {
                String line = Files.readString(stat);
                // fields after the command name, which is in parentheses and may contain spaces
                String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                return OptionalLong.of(ticks * 10_000_000L);
            } catch (IOException | RuntimeException e) {
                return OptionalLong.empty();
            }
        };
    }
}
