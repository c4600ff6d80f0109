package dev.agentctl.engine;

/** What a throwaway container printed (stdout and stderr together) and its exit code. */
public record RunResult(int exitCode, String output) {}
