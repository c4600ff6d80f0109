package dev.agentctl.engine;

/** CPU in percent of one core (as docker stats shows it), memory in bytes. */
public record Stats(double cpuPercent, long memoryUsage, long memoryLimit) {}
