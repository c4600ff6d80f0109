package dev.agentctl.engine;

import java.util.Map;

/**
 * A network agentctl makes: a bridge, {@code internal} when it must have no way out. With a {@code pool} (an IPv4
 * range), its subnet is the first free /28 there, so that a fleet of many instances does not use up the engine's own
 * address pools (about 30 networks on a default engine); null: the engine chooses.
 */
public record NetworkSpec(String name, boolean internal, Map<String, String> labels, String pool) {
    /** The size of each network carved from a pool: 14 addresses, for the instance and its one-off runs. */
    public static final int PREFIX = 28;
}
