package dev.agentctl.engine;

/** CPU in percent of one core (as docker stats shows it; null when it cannot be told), memory in bytes. */
public record Stats(Double cpuPercent, long memoryUsage, long memoryLimit) {}
