package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.util.Locale;

/**
 * Which network an instance's container is on. {@code fleet}: one network shared by the fleet (instances reach each
 * other); {@code isolated}: a bridge of its own (the way out stays, other instances are out of reach);
 * {@code internal}: a bridge of its own with no way off the machine; {@code none}: no network at all. The last two
 * publish no port: nothing on the host reaches the gateway except through the engine (exec, run, cp).
 */
public enum NetworkMode {
    FLEET,
    ISOLATED,
    INTERNAL,
    NONE;

    public static final NetworkMode DEFAULT = ISOLATED;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the container's port is published on the host. */
    public boolean publishes() {
        return this == FLEET || this == ISOLATED;
    }

    /** {@code where}: the option or file key the value came from, for the error. */
    public static NetworkMode parse(String where, String value) {
        for (NetworkMode m : values()) {
            if (m.word().equals(value)) {
                return m;
            }
        }
        throw AgentctlException.badInput(
                where + ": network must be fleet, isolated, internal or none, not '" + value + "'");
    }
}
