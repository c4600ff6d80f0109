package dev.agentctl;

/** An error meant for the user: one line, and the exit code documented in the README. */
public class AgentctlException extends RuntimeException {
    public static final int FAILED = 1;
    public static final int BAD_INPUT = 2;
    public static final int ENGINE_UNREACHABLE = 3;
    public static final int UNHEALTHY = 4;
    public static final int LOCKED = 5;

    private final int exitCode;

    public AgentctlException(int exitCode, String message) {
        this(exitCode, message, null);
    }

    public AgentctlException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static AgentctlException badInput(String message) {
        return new AgentctlException(BAD_INPUT, message);
    }

    public static AgentctlException failed(String message, Throwable cause) {
        return new AgentctlException(FAILED, message, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
