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

    public enum Action { CREATE, RECREATE, ROLL, START, NONE }

    /** What happened to one instance. {@code logs} and {@code probe} are filled when it did not become healthy. */
    public record Outcome(String name, Action action, List<String> changes, String health, List<String> logs,
                          String probe, boolean rolledBack) {
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

    record Planned(Instance instance, ContainerSpec spec, Optional<ContainerInfo> current, Action action, List<String> changes) {
    }

    Planned plan(Instance i) {
        ContainerSpec spec = SpecBuilder.build(fleet, i);
        Optional<ContainerInfo> cur = engine.inspect(spec.containerName());
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
        return new Planned(i, spec, cur, c.running() || "restarting".equals(c.state()) ? Action.NONE : Action.START, List.of());
    }

    public List<Outcome> up(List<Instance> instances, boolean wait, Duration timeout) {
        Path runtime = fleet.currentRuntime();
        if (!Files.isDirectory(runtime)) {
            throw AgentctlException.badInput("no runtime build in " + fleet.runtimeDir() + ": run 'agentctl runtime build' first");
        }
        String image = fleet.config().runtime().image();
        if (engine.image(image).isEmpty()) {
            throw AgentctlException.badInput("runtime image " + image + " is missing: run 'agentctl runtime build --force'");
        }
        engine.ensureNetwork(fleet.config().network(), fleet.config().name(), ComposeRenderer.NETWORK_KEY);
        List<Planned> plans = instances.stream().map(this::plan).toList();
        List<Outcome> outcomes = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Planned p : plans) {
                if (p.action() != Action.ROLL) {
                    futures.add(pool.submit(() -> apply(p, wait, timeout)));
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
                outcomes.add(new Outcome(p.instance().name(), Action.NONE, List.of("roll stopped: an earlier instance failed"),
                        "running", List.of(), "", false));
                continue;
            }
            Outcome o = roll(p, timeout);
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
            default -> {
                ContainerInfo c = p.current().get();
                return new Outcome(name, Action.NONE, List.of(), c.health().equals("none") ? c.state() : c.health(), List.of(), "", false);
            }
        }
        return waited(p, wait, timeout, false);
    }

    private void replace(ContainerInfo old, ContainerSpec spec) {
        engine.stop(old.id(), 10);
        engine.remove(old.id());
        engine.start(engine.create(spec, fleet.root().toString()));
    }

    private Outcome waited(Planned p, boolean wait, Duration timeout, boolean rolledBack) {
        String name = p.instance().name();
        if (!wait) {
            return new Outcome(name, p.action(), p.changes(), "started", List.of(), "", rolledBack);
        }
        ContainerInfo c = waitHealthy(p.spec().containerName(), timeout);
        String health = c.health().equals("none") ? c.state() : c.health();
        if ("healthy".equals(health) || ("running".equals(health) && c.running())) {
            progress.accept(name + ": healthy");
            return new Outcome(name, p.action(), p.changes(), health, List.of(), "", rolledBack);
        }
        progress.accept(name + ": NOT healthy (" + health + ")");
        return new Outcome(name, p.action(), p.changes(), health, engine.tail(c.id(), 20), c.lastProbe(), rolledBack);
    }

    /** Polls until the container is healthy, unhealthy, gone or exited, or the timeout passes. */
    ContainerInfo waitHealthy(String container, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            ContainerInfo c = engine.inspect(container).orElseThrow(() -> AgentctlException.failed(container + " disappeared", null));
            boolean hasHealth = !"none".equals(c.health());
            if (hasHealth && ("healthy".equals(c.health()) || "unhealthy".equals(c.health()))) {
                return c;
            }
            if (!hasHealth && c.running()) {
                return c;
            }
            if ("exited".equals(c.state()) || "dead".equals(c.state())
                    || ("restarting".equals(c.state()) && c.restartCount() > 0)) {
                return new ContainerInfo(c.id(), c.name(), c.image(), c.state(), c.state(), c.startedAt(), c.restartCount(),
                        c.exitCode(), c.labels(), c.lastProbe());
            }
            if (Instant.now().isAfter(deadline)) {
                return new ContainerInfo(c.id(), c.name(), c.image(), c.state(), "timed out (" + c.health() + ")",
                        c.startedAt(), c.restartCount(), c.exitCode(), c.labels(), c.lastProbe());
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
        progress.accept(p.instance().name() + ": rolling onto runtime " + p.spec().runtimeBuild() + " (from " + oldBuild + ")");
        replace(old, p.spec());
        Outcome o = waited(p, true, timeout, false);
        if (o.healthy()) {
            return o;
        }
        Path back = fleet.runtimeDir().resolve(oldBuild);
        progress.accept(p.instance().name() + ": rolling back to runtime " + oldBuild);
        ContainerSpec previous = SpecBuilder.build(fleet, p.instance(), back);
        engine.inspect(p.spec().containerName()).ifPresent(c -> {
            engine.stop(c.id(), 10);
            engine.remove(c.id());
        });
        engine.start(engine.create(previous, fleet.root().toString()));
        waited(new Planned(p.instance(), previous, Optional.empty(), Action.ROLL, p.changes()), true, timeout, true);
        return new Outcome(o.name(), Action.ROLL, o.changes(), o.health(), o.logs(), o.probe(), true);
    }
}
