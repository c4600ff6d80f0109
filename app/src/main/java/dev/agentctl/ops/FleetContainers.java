package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.spec.ContainerSpec;
import java.util.Optional;

/** An instance's container: found by name, and only ever one that agentctl made for this fleet and instance. */
public final class FleetContainers {
    private FleetContainers() {}

    /**
     * The container of {@code instance}, if any. A container of that name without this fleet's labels is never
     * touched: it is an error naming it.
     */
    public static Optional<ContainerInfo> find(Fleet fleet, Engine engine, String instance) {
        String name = fleet.containerName(instance);
        Optional<ContainerInfo> c = engine.inspect(name);
        if (c.isPresent()
                && !(fleet.config().name().equals(c.get().label(ContainerSpec.LABEL_FLEET))
                        && instance.equals(c.get().label(ContainerSpec.LABEL_INSTANCE)))) {
            throw AgentctlException.failed(
                    "a container named " + name + " exists but agentctl did not make it for instance '"
                            + instance + "' of fleet '" + fleet.config().name()
                            + "'; rename or remove it (docker rm -f " + name
                            + ") and try again",
                    null);
        }
        return c;
    }
}
