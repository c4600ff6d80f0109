package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.Engines;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.Holds;
import dev.agentctl.ops.Leftovers;
import java.util.List;

/**
 * A command that needs the Docker engine: it is connected (or exit 3) before {@link #run} is called, and what a
 * killed agentctl left paused or stopped is given back first.
 */
abstract class EngineCommand extends BaseCommand {
    private FleetContainers containers;

    @Override
    public final Integer call() throws Exception {
        Fleet fleet = fleet();
        try (ContainerEngine engine = Engines.connect()) {
            containers = new FleetContainers(fleet, engine);
            new Holds(fleet).resumeStale(containers).forEach(this::note);
            return run(fleet, containers);
        }
    }

    protected abstract int run(Fleet fleet, FleetContainers containers) throws Exception;

    /** As {@link BaseCommand#lock}, and leftover containers of interrupted runs are reconciled too. */
    @Override
    protected FleetLock lock(Fleet fleet, java.time.Duration defaultWait) {
        FleetLock lock = super.lock(fleet, defaultWait);
        try {
            Leftovers.containers(fleet, containers).forEach(this::note);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE);
    }
}
