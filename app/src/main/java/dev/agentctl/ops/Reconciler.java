package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeRenderer;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * {@code agentctl up}: makes each instance's container match its spec. Missing: created. Drifted: recreated.
 * Stopped: started. Matching and running: left alone. Instances moving to a new runtime build are rolled one
 * at a time, waiting for health; one that fails goes back to its previous build and the roll stops.
 */
public final class Reconciler {
    public static final int PARALLEL = 4;

    public enum Action {
        CREATE,
        RECREATE,
        ROLL,
        START,
        UNPAUSE,
        NONE
    }

    /** What happened to one instance. {@code logs} and {@code probe} are filled when it did not become healthy. */
    public record Outcome(
            String name,
            Action action,
            List<String> changes,
            String health,
            List<String> logs,
            String probe,
            boolean rolledBack) {
        public boolean healthy() {
            return "healthy".equals(health) || "running".equals(health);
        }
    }

    private final Fleet fleet;
    private final Engine engine;
    private final Consumer<String> progress;

    public Reconciler(Fleet fleet, Engine engine, Consumer<String> progress) {
        this.fleet = fleet;
        this.engine = engine;
        this.progress = progress;
    }

    record Planned(
            Instance instance,
            ContainerSpec spec,
            Optional<ContainerInfo> current,
            Action action,
            List<String> changes) {}

    Planned plan(Instance i) {
        ContainerSpec spec = SpecBuilder.build(fleet, i);
        Optional<ContainerInfo> cur = FleetContainers.find(fleet, engine, i.name());
        if (cur.isEmpty()) {
            return new Planned(i, spec, cur, Action.CREATE, List.of());
        }
        ContainerInfo c = cur.get();
        if (!spec.hash().equals(c.label(ContainerSpec.LABEL_HASH))) {
            List<String> changes = spec.changedSettings(c.label(ContainerSpec.LABEL_SETTINGS));
            boolean newRuntime = !c.label(ContainerSpec.LABEL_RUNTIME).isEmpty()
                    && !c.label(ContainerSpec.LABEL_RUNTIME).equals(spec.runtimeBuild());
            return new Planned(i, spec, cur, newRuntime ? Action.ROLL : Action.RECREATE, changes);
        }
        Action a = "paused".equals(c.state())
                ? Action.UNPAUSE
                : c.running() || "restarting".equals(c.state()) ? Action.NONE : Action.START;
        return new Planned(i, spec, cur, a, List.of());
    }

    public List<Outcome> up(List<Instance> instances, boolean wait, Duration timeout) {
        Path runtime = fleet.currentRuntime();
        if (!Files.isDirectory(runtime)) {
            throw AgentctlException.badInput(
                    "no runtime build in " + fleet.runtimeDir() + ": run 'agentctl runtime build' first");
        }
        List<Outcome> outcomes = new ArrayList<>();
        List<Planned> plans = new ArrayList<>();
        for (Instance i : instances) {
            try {
                plans.add(plan(i));
            } catch (AgentctlException e) {
                if (e.exitCode() == AgentctlException.ENGINE_UNREACHABLE) {
                    throw e;
                }
                progress.accept(i.name() + ": FAILED: " + e.getMessage());
                outcomes.add(new Outcome(
                        i.name(), Action.NONE, List.of(), "failed: " + e.getMessage(), List.of(), "", false));
            }
        }
        for (String image : plans.stream().map(p -> p.spec().image()).distinct().toList()) {
            if (engine.image(image).isEmpty()) {
                throw AgentctlException.badInput(
                        "runtime image " + image + " is missing: run 'agentctl runtime build --force'");
            }
        }
        engine.ensureNetwork(fleet.config().network(), fleet.config().name(), ComposeRenderer.NETWORK_KEY);
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Planned p : plans) {
                if (p.action() != Action.ROLL) {
                    futures.add(pool.submit(() -> guarded(p, () -> apply(p, wait, timeout))));
                }
            }
            for (Future<Outcome> f : futures) {
                outcomes.add(get(f));
            }
        } finally {
            pool.shutdownNow();
        }
        boolean failed = false;
        for (Planned p : plans) {
            if (p.action() != Action.ROLL) {
                continue;
            }
            if (failed) {
                outcomes.add(new Outcome(
                        p.instance().name(),
                        Action.NONE,
                        List.of("roll stopped: an earlier instance failed"),
                        "running",
                        List.of(),
                        "",
                        false));
                continue;
            }
            Outcome o = guarded(p, () -> roll(p, timeout));
            outcomes.add(o);
            failed = !o.healthy();
        }
        return outcomes;
    }

    private static Outcome get(Future<Outcome> f) {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AgentctlException.failed("interrupted", e);
        }
    }

    /** One instance's failure (a port taken, a mount missing) is its outcome, not the end of the others. */
    private Outcome guarded(Planned p, java.util.function.Supplier<Outcome> body) {
        try {
            return body.get();
        } catch (AgentctlException e) {
            if (e.exitCode() == AgentctlException.ENGINE_UNREACHABLE) {
                throw e;
            }
            progress.accept(p.instance().name() + ": FAILED: " + e.getMessage());
            return new Outcome(
                    p.instance().name(), p.action(), p.changes(), "failed: " + e.getMessage(), List.of(), "", false);
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage())
                    .strip()
                    .lines()
                    .findFirst()
                    .orElse(e.getClass().getSimpleName());
            progress.accept(p.instance().name() + ": FAILED: " + why);
            return new Outcome(p.instance().name(), p.action(), p.changes(), "failed: " + why, List.of(), "", false);
        }
    }

    private Outcome apply(Planned p, boolean wait, Duration timeout) {
        String name = p.instance().name();
        switch (p.action()) {
            case CREATE -> {
                progress.accept(name + ": creating");
                engine.start(engine.create(p.spec(), fleet.root().toString()));
            }
            case RECREATE -> {
                progress.accept(name + ": recreating (changed: " + String.join(", ", p.changes()) + ")");
                replace(p.current().get(), p.spec());
            }
            case START -> {
                progress.accept(name + ": starting");
                engine.start(p.current().get().id());
            }
            case UNPAUSE -> {
                progress.accept(name + ": unpausing");
                engine.unpause(p.current().get().id());
            }
            default -> {
                ContainerInfo c = p.current().get();
                if (!wait || !"starting".equals(c.health())) {
                    return new Outcome(
                            name,
                            Action.NONE,
                            List.of(),
                            c.health().equals("none") ? c.state() : c.health(),
                            List.of(),
                            "",
                            false);
                }
            }
        }
        return waited(p, wait, timeout, false);
    }

    /**
     * Swaps a container for a new one of {@code spec}. The old one is stopped and renamed aside, not removed, until
     * the new one has started; if creating or starting the new one fails, the old one is put back as it was.
     */
    private void replace(ContainerInfo old, ContainerSpec spec) {
        boolean wasRunning = old.running() || "restarting".equals(old.state()) || "paused".equals(old.state());
        if ("paused".equals(old.state())) {
            engine.unpause(old.id());
        }
        engine.stop(old.id(), 10);
        engine.rename(old.id(), spec.containerName() + "-replaced-" + old.id().substring(0, 12));
        String created = null;
        try {
            created = engine.create(spec, fleet.root().toString());
            engine.start(created);
        } catch (RuntimeException e) {
            if (created != null) {
                engine.remove(created);
            }
            engine.rename(old.id(), spec.containerName());
            if (wasRunning) {
                engine.start(old.id());
            }
            throw e;
        }
        engine.remove(old.id());
    }

    private Outcome waited(Planned p, boolean wait, Duration timeout, boolean rolledBack) {
        String name = p.instance().name();
        if (!wait) {
            return new Outcome(name, p.action(), p.changes(), "started", List.of(), "", rolledBack);
        }
        ContainerInfo c = waitHealthy(p.spec(), timeout);
        String health = c.health().equals("none") ? c.state() : c.health();
        if ("healthy".equals(health) || ("running".equals(health) && c.running())) {
            progress.accept(name + ": healthy");
            return new Outcome(name, p.action(), p.changes(), health, List.of(), "", rolledBack);
        }
        progress.accept(name + ": NOT healthy (" + health + ")");
        return new Outcome(name, p.action(), p.changes(), health, engine.tail(c.id(), 20), c.lastProbe(), rolledBack);
    }

    /**
     * Polls until the container is healthy, unhealthy, gone or exited, or the timeout passes. "unhealthy" counts only
     * once enough probes ran since now to earn it: a container unpaused (or restarted) may still show the verdict of
     * the probes that failed while it was paused.
     */
    ContainerInfo waitHealthy(ContainerSpec spec, Duration timeout) {
        String container = spec.containerName();
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        Duration verdict = Duration.ofSeconds(
                spec.healthcheck().intervalSeconds() * spec.healthcheck().retries());
        while (true) {
            ContainerInfo c = engine.inspect(container)
                    .orElseThrow(() -> AgentctlException.failed(container + " disappeared", null));
            boolean hasHealth = !"none".equals(c.health());
            if (hasHealth
                    && ("healthy".equals(c.health())
                            || ("unhealthy".equals(c.health())
                                    && Duration.between(start, Instant.now()).compareTo(verdict) >= 0))) {
                return c;
            }
            if (!hasHealth && c.running()) {
                return c;
            }
            if ("exited".equals(c.state())
                    || "dead".equals(c.state())
                    || ("restarting".equals(c.state()) && c.restartCount() > 0)) {
                return new ContainerInfo(
                        c.id(),
                        c.name(),
                        c.image(),
                        c.state(),
                        c.state(),
                        c.startedAt(),
                        c.restartCount(),
                        c.exitCode(),
                        c.labels(),
                        c.lastProbe());
            }
            if (Instant.now().isAfter(deadline)) {
                return new ContainerInfo(
                        c.id(),
                        c.name(),
                        c.image(),
                        c.state(),
                        "timed out (" + c.health() + ")",
                        c.startedAt(),
                        c.restartCount(),
                        c.exitCode(),
                        c.labels(),
                        c.lastProbe());
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw AgentctlException.failed("interrupted while waiting for " + container, e);
            }
        }
    }

    /** Moves one instance to the new runtime build; on failure puts it back on the build it had. */
    private Outcome roll(Planned p, Duration timeout) {
        ContainerInfo old = p.current().get();
        String oldBuild = old.label(ContainerSpec.LABEL_RUNTIME);
        progress.accept(
                p.instance().name() + ": rolling onto runtime " + p.spec().runtimeBuild() + " (from " + oldBuild + ")");
        replace(old, p.spec());
        Outcome o = waited(p, true, timeout, false);
        if (o.healthy()) {
            return o;
        }
        Path back = fleet.runtimeDir().resolve(oldBuild);
        progress.accept(p.instance().name() + ": rolling back to runtime " + oldBuild);
        ContainerSpec previous = SpecBuilder.build(fleet, p.instance(), back);
        replace(engine.inspect(p.spec().containerName()).orElseThrow(), previous);
        waited(new Planned(p.instance(), previous, Optional.empty(), Action.ROLL, p.changes()), true, timeout, true);
        return new Outcome(o.name(), Action.ROLL, o.changes(), o.health(), o.logs(), o.probe(), true);
    }
}
