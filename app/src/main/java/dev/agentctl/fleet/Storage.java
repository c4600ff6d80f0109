package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.util.Locale;

/**
 * Where an instance's data lives. {@code bind}: its config/ and workspace/ are folders under instances/NAME on the
 * host; {@code volume}: they are Docker volumes (NAME's config and workspace, labelled with the fleet's id), reached
 * only through the engine, and the host folder keeps agentctl's files and config.json (mounted read-only).
 */
public enum Storage {
    BIND,
    VOLUME;

    public static final Storage DEFAULT = BIND;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code where}: the option or file key the value came from, for the error. */
    public static Storage parse(String where, String value) {
        for (Storage s : values()) {
            if (s.word().equals(value)) {
                return s;
            }
        }
        throw AgentctlException.badInput(where + ": storage must be bind or volume, not '" + value + "'");
    }
}
