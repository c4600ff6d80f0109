package dev.agentctl.engine;

import java.time.Duration;

/**
 * One reading of a container's counters, as the engine's stats give them: the CPU time the container has used and the
 * CPU time the host has spent on all its cores (both in nanoseconds, since boot), the cores online, and memory as
 * docker stats counts it (usage less the page cache that can be dropped).
 *
 * @param readNanos when the engine read the counters (nanoseconds since the epoch)
 */
public record StatsSample(
        long readNanos, long cpuNanos, long systemNanos, int onlineCpus, long memoryUsage, long memoryLimit) {

    /**
     * CPU in percent of one core between {@code earlier} and this reading, as docker stats computes it (the
     * container's share of the host's CPU time in that interval, times the cores); empty when the two cannot be
     * compared: not in order, not at least {@code min} apart, or counters that went back (another container).
     */
    public java.util.OptionalDouble cpuPercentSince(StatsSample earlier, Duration min) {
        long cpu = cpuNanos - earlier.cpuNanos;
        long system = systemNanos - earlier.systemNanos;
        if (readNanos - earlier.readNanos < min.toNanos() || cpu < 0 || system <= 0) {
            return java.util.OptionalDouble.empty();
        }
        return java.util.OptionalDouble.of((double) cpu / system * Math.max(1, onlineCpus) * 100.0);
    }

    /** This reading's memory with the CPU% given (null: unknown). */
    public Stats withCpu(Double cpuPercent) {
        return new Stats(cpuPercent, memoryUsage, memoryLimit);
    }
}
