package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this host can give a container: its CPUs and memory. Limits above them are refused, naming the figures. */
public final class HostLimits {
    private HostLimits() {}

    public static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** MemTotal from /proc/meminfo in bytes, or 0 when unknown. */
    public static long memoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: not checked
        }
        return 0;
    }

    public static void checkCpus(double cpus, String option) {
        int host = cpus();
        if (cpus > host) {
            throw AgentctlException.badInput("invalid " + option + " '" + Validate.number(cpus) + "': this host has "
                    + host + " CPU" + (host == 1 ? "" : "s"));
        }
    }

    public static void checkMemory(long bytes, String text, String option) {
        long host = memoryBytes();
        if (host > 0 && bytes > host) {
            throw AgentctlException.badInput("invalid " + option + " '" + text + "': this host has "
                    + String.format("%.1f GiB", host / (double) (1L << 30)) + " of memory");
        }
    }
}
