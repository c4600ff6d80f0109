package dev.agentctl.engine;

import java.util.Locale;

/** A container's health as its healthcheck reports it; NONE when it has no healthcheck. */
public enum Health {
    NONE,
    STARTING,
    HEALTHY,
    UNHEALTHY;

    public static Health parse(String s) {
        if (s == null || s.isBlank()) {
            return NONE;
        }
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return NONE;
        }
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
