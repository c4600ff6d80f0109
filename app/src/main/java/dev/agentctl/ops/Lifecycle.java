package dev.agentctl.ops;

import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetState;
import dev.agentctl.fleet.Instance;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * start, stop, restart and down of one instance's container, remembering what a person asked for (a stopped
 * instance is left stopped by {@code maintain} and not reported by {@code status}).
 */
public final class Lifecycle {
    private final FleetContainers containers;
    private final FleetState state;

    public Lifecycle(Fleet fleet, FleetContainers containers) {
        this.containers = containers;
        this.state = new FleetState(fleet);
    }

    /** What to print for the instance. */
    public String start(Instance i) {
        state.setDesired(List.of(i.name()), FleetState.Desired.RUNNING);
        Optional<ContainerInfo> c = containers.find(i.name());
        if (c.isEmpty()) {
            return "not created (agentctl up " + i.name() + ")";
        }
        containers.engine().start(c.get().id());
        state.setApplied(i.name(), c.get().id(), i.configDigest(), i.model());
        return "started";
    }

    public String stop(Instance i, Duration timeout) {
        state.setDesired(List.of(i.name()), FleetState.Desired.STOPPED);
        Optional<ContainerInfo> c = containers.find(i.name());
        if (c.isEmpty()) {
            return "not created";
        }
        if (c.get().state() == dev.agentctl.engine.ContainerState.PAUSED) {
            containers.engine().unpause(c.get().id());
        }
        containers.engine().stop(c.get().id(), timeout);
        return "stopped";
    }

    public String restart(Instance i, Duration timeout) {
        state.setDesired(List.of(i.name()), FleetState.Desired.RUNNING);
        Optional<ContainerInfo> c = containers.find(i.name());
        if (c.isEmpty()) {
            return "not created (agentctl up " + i.name() + ")";
        }
        containers.engine().restart(c.get().id(), timeout);
        state.setApplied(i.name(), c.get().id(), i.configDigest(), i.model());
        return "restarted";
    }

    public String down(String instance, Duration timeout) {
        state.setDesired(List.of(instance), FleetState.Desired.STOPPED);
        Optional<ContainerInfo> c = containers.find(instance);
        if (c.isEmpty()) {
            return "no container";
        }
        if (c.get().state().wasRunning()) {
            if (c.get().state() == dev.agentctl.engine.ContainerState.PAUSED) {
                containers.engine().unpause(c.get().id());
            }
            containers.engine().stop(c.get().id(), timeout);
        }
        containers.engine().remove(c.get().id());
        return "removed container " + c.get().name() + " (data kept)";
    }
}
