package dev.agentctl.spec;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.NetworkMode;

/**
 * The network an instance's container joins, by its {@link NetworkMode}: the fleet's shared one, a bridge of its own
 * ({@code <fleet network>-<name>}, internal ones with "-internal" after it, so that a change of mode is a new network),
 * or none. {@code composeKey} is its key in the compose file (null for none).
 */
public record InstanceNetwork(NetworkMode mode, String name, String composeKey, boolean internal) {
    /** The compose key of the fleet's shared network. */
    public static final String FLEET_KEY = "fleet";
    /** The engine's name for "no network". */
    public static final String NONE = "none";

    public static InstanceNetwork of(Fleet fleet, Instance inst) {
        String shared = fleet.config().network();
        NetworkMode mode = inst.effectiveNetwork(fleet.config());
        return switch (mode) {
            case FLEET -> new InstanceNetwork(mode, shared, FLEET_KEY, false);
            case ISOLATED -> new InstanceNetwork(mode, shared + "-" + inst.name(), inst.name() + "-net", false);
            case INTERNAL ->
                new InstanceNetwork(mode, shared + "-" + inst.name() + "-internal", inst.name() + "-internal", true);
            case NONE -> new InstanceNetwork(mode, NONE, null, false);
        };
    }

    /** A network of this instance alone (made for it, removed with it). */
    public boolean own() {
        return mode == NetworkMode.ISOLATED || mode == NetworkMode.INTERNAL;
    }
}
