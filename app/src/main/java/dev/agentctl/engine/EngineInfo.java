package dev.agentctl.engine;

/** The engine as it describes itself (docker version / docker info). */
public record EngineInfo(
        String host, String serverVersion, String apiVersion, String os, int cpus, long memoryBytes, String dataRoot) {}
