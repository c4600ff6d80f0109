package dev.agentctl.engine;

import dev.agentctl.AgentctlException;

/**
 * An engine call that failed, as one agentctl error with a kind; the message is one line in agentctl's words (never
 * the daemon's raw JSON). UNREACHABLE is exit 3; REFUSED (the engine rejected the request as invalid) is exit 2;
 * everything else is exit 1.
 */
public class EngineException extends AgentctlException {
    public enum Kind {
        NOT_FOUND,
        CONFLICT,
        UNREACHABLE,
        REFUSED,
        TIMEOUT,
        FAILED
    }

    private final Kind kind;

    public EngineException(Kind kind, String message) {
        this(kind, message, null);
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(exitCode(kind), message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    private static int exitCode(Kind kind) {
        return switch (kind) {
            case UNREACHABLE -> ENGINE_UNREACHABLE;
            case REFUSED -> BAD_INPUT;
            default -> FAILED;
        };
    }

    /** A failed image build: the failing step (one line) and the output lines that followed it. */
    public static final class BuildFailed extends EngineException {
        private final String step;
        private final String reason;
        private final java.util.List<String> output;

        public BuildFailed(String step, String reason, java.util.List<String> output) {
            super(
                    Kind.FAILED,
                    "image build failed at " + step.lines().findFirst().orElse("") + ": " + reason);
            this.step = step;
            this.reason = reason;
            this.output = java.util.List.copyOf(output);
        }

        public String reason() {
            return reason;
        }

        public String step() {
            return step;
        }

        public java.util.List<String> output() {
            return output;
        }
    }
}
