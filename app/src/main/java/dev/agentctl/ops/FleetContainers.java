package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.spec.ContainerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one way to an instance's container: by its name, and only ever one that agentctl made for this fleet root
 * (its fleet id; a container made before fleets had ids must carry this root as its compose working_dir) and this
 * instance. A container of that name that is not ours is an error naming it; it is never paused, stopped or removed.
 */
public final class FleetContainers {
    /** Leftovers of an interrupted recreate: NAME-replaced-ID. */
    public static final String REPLACED = "-replaced-";

    private final Fleet fleet;
    private final ContainerEngine engine;

    public FleetContainers(Fleet fleet, ContainerEngine engine) {
        this.fleet = fleet;
        this.engine = engine;
    }

    public ContainerEngine engine() {
        return engine;
    }

    /** The container of {@code instance}, if any; a same-named container of anyone else is an error. */
    public Optional<ContainerInfo> find(String instance) {
        String name = fleet.containerName(instance);
        Optional<ContainerInfo> c = engine.inspect(name);
        if (c.isPresent()) {
            refuseForeign(c.get(), instance);
        }
        return c;
    }

    /** Throws unless {@code c} is agentctl's container of {@code instance} in this fleet root. */
    void refuseForeign(ContainerInfo c, String instance) {
        if (ours(c) && instance.equals(c.label(ContainerSpec.LABEL_INSTANCE))) {
            return;
        }
        String owner = c.label(ContainerSpec.LABEL_FLEET).isEmpty()
                ? "agentctl did not make it"
                : sameNameOtherRoot(c)
                        ? "it belongs to another fleet root named '"
                                + fleet.config().name() + "' (" + c.label(ContainerSpec.LABEL_COMPOSE_WORKING_DIR) + ")"
                        : "agentctl did not make it for instance '" + instance + "' of this fleet";
        String fix = sameNameOtherRoot(c)
                ? "; give this fleet another name in " + fleet.root().resolve("fleet.yaml") + " (name:)"
                : "; rename or remove it (docker rm -f " + c.name() + ") and try again";
        throw AgentctlException.failed("a container named " + c.name() + " exists but " + owner + fix, null);
    }

    /** Made by agentctl for this fleet root. */
    public boolean ours(ContainerInfo c) {
        if (!fleet.config().name().equals(c.label(ContainerSpec.LABEL_FLEET))) {
            return false;
        }
        String id = c.label(ContainerSpec.LABEL_FLEET_ID);
        if (!id.isEmpty()) {
            return id.equals(fleet.id());
        }
        return fleet.root().toString().equals(c.label(ContainerSpec.LABEL_COMPOSE_WORKING_DIR));
    }

    private boolean sameNameOtherRoot(ContainerInfo c) {
        return fleet.config().name().equals(c.label(ContainerSpec.LABEL_FLEET)) && !ours(c);
    }

    /**
     * This fleet's containers as the engine has them: each instance's own container (by instance label, the one
     * with the instance's container name), leftovers of interrupted runs (NAME-replaced-ID), and containers of
     * another root with the same fleet name (never touched).
     */
    public record Observed(
            Map<String, ContainerInfo> byInstance, List<ContainerInfo> leftovers, List<ContainerInfo> foreign) {}

    public Observed observe() {
        Map<String, ContainerInfo> byInstance = new LinkedHashMap<>();
        List<ContainerInfo> leftovers = new ArrayList<>();
        List<ContainerInfo> foreign = new ArrayList<>();
        for (ContainerInfo c : engine.containers(
                Map.of(ContainerSpec.LABEL_FLEET, fleet.config().name()))) {
            if (!ours(c)) {
                foreign.add(c);
                continue;
            }
            String instance = c.label(ContainerSpec.LABEL_INSTANCE);
            if (c.name().equals(fleet.containerName(instance))) {
                byInstance.put(instance, c);
            } else {
                leftovers.add(c);
            }
        }
        return new Observed(byInstance, leftovers, foreign);
    }
}
