package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.Health;
import dev.agentctl.ops.UpPlan.Action;
import dev.agentctl.ops.UpPlan.Step;
import dev.agentctl.spec.ContainerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries out an {@link UpPlan}: the parallel steps a few at a time, then the rolls one by one (stopping at the first
 * that fails, which is put back on its previous runtime). A recreate keeps the old container aside (renamed, stopped)
 * until the new one has started, and puts it back as it was if the new one cannot be created or started. One
 * instance failing never stops the others; an unreachable engine stops everything.
 */
public final class UpExecutor {
    /** What the executor tells its caller as it goes. */
    public interface Listener {
        void event(String instance, String what);

        /** A container was created, started or restarted with config.json at {@code configDigest}. */
        default void started(String instance, String containerId, String configDigest) {}
    }

    public record Options(boolean waitForHealth, Duration healthTimeout, Duration stopTimeout, int parallel) {}

    /** What happened to one instance. {@code logs} and {@code probe} are filled when it did not become healthy. */
    public record Outcome(
            String instance,
            Action action,
            List<String> reasons,
            String result,
            boolean ok,
            List<String> logs,
            String probe,
            boolean rolledBack) {
        static Outcome failed(Step s, String why) {
            return new Outcome(s.instance(), s.action(), s.reasons(), "failed: " + why, false, List.of(), "", false);
        }
    }

    private final ContainerEngine engine;
    private final HealthWait health;
    private final Listener listener;
    private final Options options;

    public UpExecutor(ContainerEngine engine, HealthWait health, Listener listener, Options options) {
        this.engine = engine;
        this.health = health;
        this.listener = listener;
        this.options = options;
    }

    /**
     * Runs the plan; {@code secrets} gives each instance's environment (from its .env) for a container it creates, and
     * {@code ready} waits until what an instance's container needs exists (its network), throwing if it cannot. Steps
     * not yet begun when {@code cancel} is set are skipped; begun ones finish.
     */
    public List<Outcome> execute(
            UpPlan.Plan plan,
            java.util.function.Function<String, Map<String, String>> secrets,
            java.util.function.Consumer<String> ready,
            AtomicBoolean cancel) {
        List<Outcome> out = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.parallel()));
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Step s : plan.parallel()) {
                futures.add(pool.submit(() -> guarded(s, cancel, () -> {
                    if (s.action() != Action.LEAVE && s.action() != Action.UNPAUSE) {
                        ready.accept(s.instance());
                    }
                    return cancel.get() ? interrupted(s) : apply(s, secrets.apply(s.instance()));
                })));
            }
            for (Future<Outcome> f : futures) {
                out.add(get(f));
            }
        } finally {
            pool.shutdown();
        }
        boolean failed = false;
        for (Step s : plan.rolls()) {
            if (failed) {
                out.add(new Outcome(
                        s.instance(),
                        Action.LEAVE,
                        List.of("roll stopped: an earlier instance failed"),
                        "left on its runtime",
                        true,
                        List.of(),
                        "",
                        false));
                continue;
            }
            Outcome o = guarded(s, cancel, () -> {
                ready.accept(s.instance());
                return cancel.get() ? interrupted(s) : roll(s, secrets.apply(s.instance()));
            });
            out.add(o);
            failed = !o.ok() && blamesRuntime(o);
        }
        return out;
    }

    private static Outcome get(Future<Outcome> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AgentctlException.failed("interrupted", e);
        }
    }

    private static Outcome interrupted(Step s) {
        return new Outcome(
                s.instance(), s.action(), s.reasons(), "not started: interrupted", false, List.of(), "", false);
    }

    private interface Body {
        Outcome run();
    }

    /** One instance's failure (a port taken, a mount missing) is its outcome, not the end of the others. */
    private Outcome guarded(Step s, AtomicBoolean cancel, Body body) {
        if (cancel.get()) {
            return interrupted(s);
        }
        try {
            return body.run();
        } catch (EngineException e) {
            if (e.kind() == EngineException.Kind.UNREACHABLE) {
                throw e;
            }
            listener.event(s.instance(), "FAILED: " + e.getMessage());
            return Outcome.failed(s, e.getMessage());
        } catch (AgentctlException e) {
            listener.event(s.instance(), "FAILED: " + e.getMessage());
            return Outcome.failed(s, e.getMessage());
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage())
                    .strip()
                    .lines()
                    .findFirst()
                    .orElse(e.getClass().getSimpleName());
            listener.event(s.instance(), "FAILED: " + why);
            return Outcome.failed(s, why);
        }
    }

    private Outcome apply(Step s, Map<String, String> secrets) {
        switch (s.action()) {
            case CREATE -> {
                listener.event(s.instance(), "creating");
                String id = engine.create(s.spec(), secrets);
                engine.start(id);
                listener.started(s.instance(), id, s.spec().configDigest());
            }
            case RECREATE -> {
                listener.event(s.instance(), "recreating (changed: " + String.join(", ", s.reasons()) + ")");
                replace(s.current().orElseThrow(), s.spec(), secrets);
            }
            case RESTART -> {
                listener.event(s.instance(), "restarting (" + String.join(", ", s.reasons()) + ")");
                ContainerInfo c = s.current().orElseThrow();
                engine.restart(c.id(), options.stopTimeout());
                listener.started(s.instance(), c.id(), s.spec().configDigest());
            }
            case START -> {
                listener.event(s.instance(), "starting");
                ContainerInfo c = s.current().orElseThrow();
                engine.start(c.id());
                listener.started(s.instance(), c.id(), s.spec().configDigest());
            }
            case UNPAUSE -> {
                listener.event(s.instance(), "unpausing");
                engine.unpause(s.current().orElseThrow().id());
            }
            default -> {
                ContainerInfo c = s.current().orElseThrow();
                if (!options.waitForHealth() || c.health() != Health.STARTING) {
                    boolean ok = c.running() && c.health() != Health.UNHEALTHY;
                    String result = c.health() == Health.NONE
                            ? c.state().word()
                            : c.health().word();
                    Readiness.Verdict ready = ok && options.waitForHealth() ? Readiness.of(engine, c) : null;
                    if (ready != null && ready.degraded()) {
                        ok = false;
                        result = "degraded: " + String.join("; ", ready.problems());
                    }
                    return new Outcome(
                            s.instance(),
                            Action.LEAVE,
                            List.of(),
                            result,
                            ok || !options.waitForHealth(),
                            List.of(),
                            ok ? "" : c.lastProbe(),
                            false);
                }
            }
        }
        return waited(s, s.spec(), false);
    }

    /**
     * Swaps a container for a new one of {@code spec}. The old one is stopped and renamed aside, not removed, until
     * the new one has started; if creating or starting the new one fails, the old one is put back as it was.
     */
    private void replace(ContainerInfo old, ContainerSpec spec, Map<String, String> secrets) {
        boolean wasRunning = old.state().wasRunning();
        if (old.state() == ContainerState.PAUSED) {
            engine.unpause(old.id());
        }
        engine.stop(old.id(), options.stopTimeout());
        engine.rename(
                old.id(),
                spec.containerName() + FleetContainers.REPLACED + old.id().substring(0, 12));
        String created = null;
        try {
            created = engine.create(spec, secrets);
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
        listener.started(spec.instance(), created, spec.configDigest());
        engine.remove(old.id());
    }

    private Outcome waited(Step s, ContainerSpec spec, boolean rolledBack) {
        if (!options.waitForHealth()) {
            return new Outcome(s.instance(), s.action(), s.reasons(), "started", true, List.of(), "", rolledBack);
        }
        HealthWait.Result r = health.await(spec.containerName(), spec.healthcheck(), options.healthTimeout());
        if (r.verdict() == HealthWait.Verdict.HEALTHY) {
            Readiness.Verdict ready = Readiness.of(engine, r.last());
            if (ready.degraded()) {
                String why = "degraded: " + String.join("; ", ready.problems());
                listener.event(s.instance(), "answers /health but is " + why);
                return new Outcome(s.instance(), s.action(), s.reasons(), why, false, List.of(), "", rolledBack);
            }
            listener.event(s.instance(), "healthy");
            return new Outcome(s.instance(), s.action(), s.reasons(), "healthy", true, List.of(), "", rolledBack);
        }
        String word = r.verdict().word();
        if (r.verdict() == HealthWait.Verdict.TIMED_OUT && r.last() != null) {
            word = "timed out (" + r.last().health().word() + ")";
        }
        listener.event(s.instance(), "NOT healthy (" + word + ")");
        List<String> logs = r.last() == null ? List.of() : engine.tail(r.last().id(), 20);
        return new Outcome(
                s.instance(),
                s.action(),
                s.reasons(),
                word,
                false,
                logs,
                r.last() == null ? "" : r.last().lastProbe(),
                rolledBack);
    }

    /**
     * Whether a failed outcome is the new runtime's doing: not healthy, or degraded for a channel library it lacks. A
     * degraded agent for its own settings (no channel, an empty secret, no provider) is reported, not rolled back.
     */
    static boolean blamesRuntime(Outcome o) {
        return !o.result().startsWith("degraded") || o.result().contains(Readiness.NO_LIBRARIES_WORDS);
    }

    /** Moves one instance to the new runtime build; on failure puts it back on the build it had. */
    private Outcome roll(Step s, Map<String, String> secrets) {
        ContainerInfo old = s.current().orElseThrow();
        String oldBuild = old.label(ContainerSpec.LABEL_RUNTIME);
        listener.event(s.instance(), "rolling onto runtime " + s.spec().runtimeBuild() + " (from " + oldBuild + ")");
        replace(old, s.spec(), secrets);
        Outcome o = waited(s, s.spec(), false);
        if (o.ok() || s.fallback() == null || !blamesRuntime(o)) {
            return o;
        }
        listener.event(s.instance(), "rolling back to runtime " + oldBuild);
        ContainerInfo failed = engine.inspect(s.spec().containerName())
                .orElseThrow(() ->
                        AgentctlException.failed(s.spec().containerName() + " disappeared during its roll", null));
        replace(failed, s.fallback(), secrets);
        waited(s, s.fallback(), true);
        return new Outcome(o.instance(), Action.ROLL, o.reasons(), o.result(), false, o.logs(), o.probe(), true);
    }
}
