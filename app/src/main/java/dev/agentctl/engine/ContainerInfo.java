package dev.agentctl.engine;

import java.time.Instant;
import java.util.Map;

/**
 * What the engine says about one container. {@code health} is healthy, unhealthy, starting or none;
 * {@code lastProbe} is the output of the latest health probe (empty when there is none).
 */
public record ContainerInfo(
        String id,
        String name,
        String image,
        String state,
        String health,
        Instant startedAt,
        int restartCount,
        Integer exitCode,
        Map<String, String> labels,
        String lastProbe) {

    public String label(String key) {
        return labels.getOrDefault(key, "");
    }

    public boolean running() {
        return "running".equals(state);
    }
}
