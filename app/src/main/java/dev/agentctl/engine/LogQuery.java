package dev.agentctl.engine;

/** Which log lines: {@code tail} null for all, {@code since} epoch seconds or null. */
public record LogQuery(boolean follow, Integer tail, Integer since, boolean timestamps) {
    public static LogQuery last(int lines) {
        return new LogQuery(false, lines, null, false);
    }
}
