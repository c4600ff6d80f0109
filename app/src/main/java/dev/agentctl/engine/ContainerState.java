package dev.agentctl.engine;

import java.util.Locale;

/** A container's state as the engine reports it. */
public enum ContainerState {
    CREATED,
    RUNNING,
    PAUSED,
    RESTARTING,
    REMOVING,
    EXITED,
    DEAD,
    UNKNOWN;

    public static ContainerState parse(String s) {
        if (s == null) {
            return UNKNOWN;
        }
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }

    /**
     * The one "was running" rule: running, paused or restarting. A container in one of these states is one the user
     * expects to be up, so anything agentctl stops for its own reasons (a backup, a recreate, a restore) it starts
     * again afterwards.
     */
    public boolean wasRunning() {
        return this == RUNNING || this == PAUSED || this == RESTARTING;
    }

    /** The engine's own word for it: running, exited, ... */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
