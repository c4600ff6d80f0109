package dev.agentctl.ops;

import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.spec.ContainerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** {@code agentctl status}: every instance's container, health and live resource use, gathered concurrently. */
public final class StatusReport {
    /** One row. Numbers are null where they do not apply (not running, --no-stats). */
    public record Row(
            String name,
            Integer port,
            String state,
            String health,
            Long uptimeSeconds,
            Double cpuPercent,
            Long memoryBytes,
            Long memoryLimitBytes,
            Integer restarts,
            String runtime,
            String container) {
        /**
         * Unhealthy, exited, restarting or paused: what makes status exit 4. A container the restart policy brought back
         * that has not proven healthy yet counts as restarting (a crash loop shows "starting" between crashes).
         */
        public boolean bad() {
            return "unhealthy".equals(health)
                    || "exited".equals(state)
                    || "restarting".equals(state)
                    || "dead".equals(state)
                    || "paused".equals(state)
                    || ("starting".equals(health) && restarts != null && restarts > 0);
        }

        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("port", port);
            m.put("state", state);
            m.put("health", health);
            m.put("uptimeSeconds", uptimeSeconds);
            m.put("cpuPercent", cpuPercent == null ? null : Math.round(cpuPercent * 100) / 100.0);
            m.put("memoryBytes", memoryBytes);
            m.put("memoryLimitBytes", memoryLimitBytes);
            m.put("restarts", restarts);
            m.put("runtime", runtime);
            m.put("container", container);
            return m;
        }
    }

    private StatusReport() {}

    public static List<Row> collect(Fleet fleet, Engine engine, List<String> names, boolean stats) {
        Map<String, ContainerInfo> byInstance = new HashMap<>();
        for (ContainerInfo c :
                engine.containers(ContainerSpec.LABEL_FLEET, fleet.config().name())) {
            byInstance.put(c.label(ContainerSpec.LABEL_INSTANCE), c);
        }
        String current = fleet.currentRuntime().getFileName().toString();
        List<String> all = fleet.instanceNames();
        List<String> wanted = names.isEmpty() ? all : names;
        Map<String, CompletableFuture<Optional<Engine.Stats>>> samples = new HashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(32, byInstance.size())));
        try {
            if (stats) {
                for (ContainerInfo c : byInstance.values()) {
                    if (c.running() && (names.isEmpty() || names.contains(c.label(ContainerSpec.LABEL_INSTANCE)))) {
                        samples.put(c.id(), CompletableFuture.supplyAsync(() -> engine.stats(c.id()), pool));
                    }
                }
            }
            List<Row> rows = new ArrayList<>();
            for (String n : wanted) {
                Integer port = null;
                try {
                    Instance i = fleet.load(n);
                    port = i.port();
                } catch (RuntimeException e) {
                    // an unreadable instance still shows its container
                }
                rows.add(row(n, port, byInstance.get(n), samples, current));
            }
            if (names.isEmpty()) {
                Set<String> known = Set.copyOf(all);
                for (Map.Entry<String, ContainerInfo> e : byInstance.entrySet()) {
                    if (!known.contains(e.getKey())) {
                        Row r = row(e.getKey(), null, e.getValue(), samples, current);
                        rows.add(new Row(
                                r.name(),
                                null,
                                "orphan",
                                r.health(),
                                r.uptimeSeconds(),
                                r.cpuPercent(),
                                r.memoryBytes(),
                                r.memoryLimitBytes(),
                                r.restarts(),
                                r.runtime(),
                                r.container()));
                    }
                }
            }
            return rows;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Row row(
            String name,
            Integer port,
            ContainerInfo c,
            Map<String, CompletableFuture<Optional<Engine.Stats>>> samples,
            String current) {
        if (c == null) {
            return new Row(name, port, "not created", "-", null, null, null, null, null, null, null);
        }
        Optional<Engine.Stats> s =
                samples.containsKey(c.id()) ? samples.get(c.id()).join() : Optional.empty();
        Long uptime = c.running() && c.startedAt() != null
                ? Duration.between(c.startedAt(), Instant.now()).toSeconds()
                : null;
        String build = c.label(ContainerSpec.LABEL_RUNTIME);
        String runtime = build.equals(current) ? "current" : "old (" + build.replaceFirst("^venv-", "") + ")";
        return new Row(
                name,
                port,
                c.state(),
                c.health(),
                uptime,
                s.map(Engine.Stats::cpuPercent).orElse(null),
                s.map(Engine.Stats::memoryUsage).orElse(null),
                s.map(Engine.Stats::memoryLimit).orElse(null),
                c.restartCount(),
                runtime,
                c.name());
    }
}
