package dev.agentctl.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.Health;
import dev.agentctl.engine.Stats;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetState;
import dev.agentctl.fleet.Instance;
import dev.agentctl.io.Parallel;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.RuntimeRef;
import dev.agentctl.spec.SpecBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code agentctl status}: what each instance's container is, and whether that is what its files say. STATE is the
 * container's (with the last exit code of one that is not running), or "not created", "stopped" (a person stopped it),
 * "orphan" (a container whose instance folder is gone). HEALTH is "-" for a container that is not running. NETWORK is the instance's network mode (a container on another
 * one shows it as pending). PORT,
 * MEMORY and MODEL are what runs; {@code pending} says what the files would change, and that {@code up} applies it.
 */
public final class StatusReport {
    public static final String NOT_CREATED = "not created";
    public static final String STOPPED = "stopped";
    public static final String ORPHAN = "orphan";
    /** An instance folder agentctl cannot read (its reason is the row's problem): it blocks only itself. */
    public static final String UNREADABLE = "unreadable";
    /** HEALTH of an agent that answers /health but whose start-up log says it cannot work (see Readiness). */
    public static final String DEGRADED = "degraded";

    /** One row (also the stable JSON of {@code status --json}). Numbers are null where they do not apply. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Row(
            String name,
            Integer port,
            String network,
            String state,
            String health,
            Integer exitCode,
            Long uptimeSeconds,
            Double cpuPercent,
            Long memoryBytes,
            Long memoryLimitBytes,
            Integer restarts,
            String model,
            String runtime,
            String container,
            String desired,
            List<String> pending,
            List<String> degraded,
            String problem) {

        /** What makes status exit 4: anything but running and healthy, unless a person asked for it to be stopped. */
        public boolean bad() {
            if (problem != null) {
                return true;
            }
            if (STOPPED.equals(state) || (NOT_CREATED.equals(state) && !"running".equals(desired))) {
                return false;
            }
            return !"running".equals(state)
                    || "unhealthy".equals(health)
                    || DEGRADED.equals(health)
                    || ("starting".equals(health) && restarts != null && restarts > 0);
        }
    }

    private StatusReport() {}

    /**
     * @param names the instances to report (empty: all, plus orphans)
     * @param stats whether to sample live CPU and memory
     */
    public static List<Row> collect(Fleet fleet, FleetContainers containers, List<String> names, boolean stats) {
        FleetContainers.Observed seen = containers.observe();
        Map<String, ContainerInfo> byInstance = seen.byInstance();
        Map<String, FleetState.Record> state = new FleetState(fleet).all();
        RuntimeRef runtime = RuntimeRef.current(fleet);
        List<String> all = fleet.instanceNames();
        List<String> wanted = names.isEmpty() ? all : names;
        List<String> running = !stats
                ? List.of()
                : byInstance.entrySet().stream()
                        .filter(e -> e.getValue().running() && (names.isEmpty() || names.contains(e.getKey())))
                        .map(e -> e.getValue().id())
                        .toList();
        // the stats may take a second (a second reading, or the engine's next tick): start-up logs are read meanwhile
        CompletableFuture<Map<String, Stats>> sampling = running.isEmpty()
                ? CompletableFuture.completedFuture(Map.of())
                : CompletableFuture.supplyAsync(() -> LiveStats.read(fleet, containers.engine(), running));
        Map<String, List<String>> degraded = degraded(containers, byInstance, names);
        Map<String, Stats> samples = Parallel.join(sampling);
        List<Row> rows = new ArrayList<>();
        for (String n : wanted) {
            Instance inst = null;
            String problem = null;
            try {
                inst = fleet.load(n);
            } catch (RuntimeException e) {
                problem = e.getMessage(); // an unreadable instance still shows its container
            }
            rows.add(row(fleet, n, inst, problem, byInstance.get(n), state.get(n), samples, runtime, degraded));
        }
        if (names.isEmpty()) {
            Set<String> known = Set.copyOf(all);
            for (Map.Entry<String, ContainerInfo> e : byInstance.entrySet()) {
                if (!known.contains(e.getKey())) {
                    Row r = row(fleet, e.getKey(), null, null, e.getValue(), null, samples, runtime, degraded);
                    rows.add(new Row(
                            r.name(),
                            r.port(),
                            r.network(),
                            ORPHAN,
                            r.health(),
                            r.exitCode(),
                            r.uptimeSeconds(),
                            r.cpuPercent(),
                            r.memoryBytes(),
                            r.memoryLimitBytes(),
                            r.restarts(),
                            r.model(),
                            r.runtime(),
                            r.container(),
                            null,
                            List.of("agentctl down --remove-orphans"),
                            r.degraded(),
                            null));
                }
            }
        }
        return rows;
    }

    private static Row row(
            Fleet fleet,
            String name,
            Instance inst,
            String problem,
            ContainerInfo c,
            FleetState.Record rec,
            Map<String, Stats> samples,
            RuntimeRef runtime,
            Map<String, List<String>> degraded) {
        String desired = rec == null || rec.desired() == null
                ? null
                : rec.desired().name().toLowerCase();
        if (c == null) {
            List<String> pending = "running".equals(desired) ? List.of("agentctl up " + name) : List.of();
            return new Row(
                    name,
                    inst == null ? null : inst.port(),
                    inst == null ? null : inst.effectiveNetwork(fleet.config()).word(),
                    problem != null ? UNREADABLE : NOT_CREATED,
                    "-",
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    inst == null ? null : inst.model(),
                    null,
                    null,
                    desired,
                    pending,
                    List.of(),
                    problem);
        }
        Stats s = samples.get(c.id());
        boolean running = c.state() == ContainerState.RUNNING;
        Long uptime = running && c.startedAt() != null
                ? Duration.between(c.startedAt(), Instant.now()).toSeconds()
                : null;
        String build = c.label(ContainerSpec.LABEL_RUNTIME);
        String rt = build.equals(runtime.id()) ? "current" : "old (" + build.replaceFirst("^venv-", "") + ")";
        String state = c.state().word();
        if (!running && c.state() != ContainerState.PAUSED && "stopped".equals(desired)) {
            state = STOPPED;
        }
        List<String> notReady = degraded.getOrDefault(c.id(), List.of());
        String health = !notReady.isEmpty()
                ? DEGRADED
                : running && c.health() != Health.NONE ? c.health().word() : "-";
        Integer exit = c.state() == ContainerState.EXITED
                        || c.state() == ContainerState.RESTARTING
                        || c.state() == ContainerState.DEAD
                ? c.exitCode()
                : null;
        Integer port = c.ports().isEmpty() ? null : c.ports().get(0).hostPort();
        String model = rec != null && c.id().equals(rec.container()) && rec.model() != null
                ? rec.model()
                : inst == null ? null : inst.model();
        List<String> pending = inst == null ? List.of() : pending(fleet, inst, c, rec);
        return new Row(
                name,
                port,
                inst == null ? null : inst.effectiveNetwork(fleet.config()).word(),
                state,
                health,
                exit,
                uptime,
                s == null ? null : s.cpuPercent(),
                s == null ? null : s.memoryUsage(),
                s == null ? c.memoryLimit() : s.memoryLimit(),
                c.restartCount(),
                model,
                rt,
                c.name(),
                desired,
                pending,
                notReady,
                problem);
    }

    /**
     * The problems of each running, healthy container whose start-up log says it cannot work, by container id: one
     * log read per container, in parallel.
     */
    private static Map<String, List<String>> degraded(
            FleetContainers containers, Map<String, ContainerInfo> byInstance, List<String> names) {
        List<ContainerInfo> healthy = byInstance.entrySet().stream()
                .filter(e -> names.isEmpty() || names.contains(e.getKey()))
                .map(Map.Entry::getValue)
                .filter(c -> c.running() && c.health() == Health.HEALTHY)
                .toList();
        List<Readiness.Verdict> verdicts = Parallel.map(healthy, c -> Readiness.of(containers.engine(), c));
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (int i = 0; i < healthy.size(); i++) {
            if (verdicts.get(i).degraded()) {
                out.put(healthy.get(i).id(), verdicts.get(i).problems());
            }
        }
        return out;
    }

    /** What the instance's files would change in its container, and the command that applies it. */
    static List<String> pending(Fleet fleet, Instance inst, ContainerInfo c, FleetState.Record rec) {
        ContainerSpec spec = SpecBuilder.build(fleet, inst);
        List<String> what = new ArrayList<>();
        if (!UpPlan.matches(spec, c)) {
            what.addAll(UpPlan.changed(spec, c));
        }
        String applied = rec != null && c.id().equals(rec.container()) && rec.config() != null
                ? rec.config()
                : c.label(ContainerSpec.LABEL_CONFIG);
        if (!applied.isEmpty() && !applied.equals(inst.configDigest())) {
            what.add("config.json");
        }
        if (what.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(what);
        out.add("agentctl up " + inst.name());
        return List.copyOf(out);
    }
}
