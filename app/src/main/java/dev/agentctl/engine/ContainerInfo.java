package dev.agentctl.engine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the engine says about one container (or, for a service backend, the task standing for the instance).
 * {@code lastProbe} is the output of the latest health probe (empty when there is none); {@code ports} are the host
 * bindings it was created with; {@code memoryLimit} in bytes (0: none) and {@code cpus} (0: none) are its limits.
 */
public record ContainerInfo(
        String id,
        String name,
        String image,
        ContainerState state,
        Health health,
        Instant startedAt,
        Instant finishedAt,
        int restartCount,
        Integer exitCode,
        boolean oomKilled,
        Map<String, String> labels,
        String lastProbe,
        List<Published> ports,
        long memoryLimit,
        double cpus) {

    /** A port published on the host. */
    public record Published(String hostIp, int hostPort, int containerPort) {}

    public String label(String key) {
        return labels.getOrDefault(key, "");
    }

    public boolean running() {
        return state == ContainerState.RUNNING;
    }

    /** The same container with another state and health (what a fake engine, or a wait, reports). */
    public ContainerInfo with(ContainerState newState, Health newHealth) {
        return new ContainerInfo(
                id,
                name,
                image,
                newState,
                newHealth,
                startedAt,
                finishedAt,
                restartCount,
                exitCode,
                oomKilled,
                labels,
                lastProbe,
                ports,
                memoryLimit,
                cpus);
    }
}
