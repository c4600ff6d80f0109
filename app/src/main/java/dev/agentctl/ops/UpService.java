package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetState;
import dev.agentctl.fleet.Instance;
import dev.agentctl.io.Parallel;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.RuntimeRef;
import dev.agentctl.spec.SpecBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@code agentctl up}: builds the desired specs and observes the containers, plans ({@link UpPlan}), carries the plan
 * out ({@link UpExecutor}), and remembers what it started with (.agentctl/state.json).
 */
public final class UpService {
    /** What a stop gives the agent: nanobot's graceful shutdown (running turns, then each channel) takes up to ~45 s. */
    public static final java.time.Duration STOP_TIMEOUT = java.time.Duration.ofSeconds(45);

    public static final int PARALLEL = Parallel.MAX;

    private final Fleet fleet;
    private final FleetContainers containers;
    private final UpExecutor.Listener listener;
    private final HealthWait.Sleeper sleeper;
    private final Clock clock;

    public UpService(Fleet fleet, FleetContainers containers, UpExecutor.Listener listener) {
        this(fleet, containers, listener, Clock.systemUTC(), HealthWait.Sleeper.REAL);
    }

    public UpService(
            Fleet fleet,
            FleetContainers containers,
            UpExecutor.Listener listener,
            Clock clock,
            HealthWait.Sleeper sleeper) {
        this.fleet = fleet;
        this.containers = containers;
        this.listener = listener;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public record Options(boolean waitForHealth, Duration healthTimeout, Duration stopTimeout) {}

    /** The plan {@code up} would carry out for these instances (nothing is changed). */
    public UpPlan.Plan plan(List<Instance> instances) {
        return plan(instances, new LinkedHashMap<>());
    }

    /**
     * As {@link #plan(List)}; an instance whose container cannot be looked at (one of that name agentctl did not
     * make) gets no step but its reason in {@code refused}: one instance's problem never stops the others.
     */
    private UpPlan.Plan plan(List<Instance> instances, Map<String, String> refused) {
        RuntimeRef runtime = RuntimeRef.current(fleet);
        if (!runtime.exists()) {
            throw AgentctlException.badInput(
                    "no runtime build in " + fleet.runtimeDir() + ": run 'agentctl runtime build' first");
        }
        Map<String, ContainerInfo> observed = new HashMap<>();
        List<UpPlan.Desired> desired = new ArrayList<>();
        // each instance's container, looked at side by side: a refusal is that instance's, an engine failure all's
        record Found(Optional<ContainerInfo> container, String refusal) {}
        List<Found> found = Parallel.map(instances, i -> {
            try {
                return new Found(containers.find(i.name()), null);
            } catch (dev.agentctl.engine.EngineException e) {
                throw e;
            } catch (AgentctlException e) {
                return new Found(Optional.empty(), e.getMessage());
            }
        });
        for (int n = 0; n < instances.size(); n++) {
            Instance i = instances.get(n);
            if (found.get(n).refusal() != null) {
                refused.put(i.name(), found.get(n).refusal());
                continue;
            }
            found.get(n).container().ifPresent(c -> observed.put(i.name(), c));
            ContainerSpec spec = SpecBuilder.build(fleet, i, runtime);
            desired.add(new UpPlan.Desired(i.name(), spec, fallback(i, observed.get(i.name()))));
        }
        Map<String, String> applied = new LinkedHashMap<>();
        new FleetState(fleet).all().forEach((name, r) -> {
            if (r.container() != null && r.config() != null) {
                applied.put(r.container(), r.config());
            }
        });
        return UpPlan.plan(desired, observed, applied);
    }

    /** The instance on the runtime build its container runs now, if that build is still on disk. */
    private ContainerSpec fallback(Instance i, ContainerInfo current) {
        if (current == null) {
            return null;
        }
        Path build = fleet.runtimeDir().resolve(current.label(ContainerSpec.LABEL_RUNTIME));
        if (current.label(ContainerSpec.LABEL_RUNTIME).isEmpty() || !Files.isDirectory(build)) {
            return null;
        }
        return SpecBuilder.build(fleet, i, RuntimeRef.of(fleet, build));
    }

    /**
     * Brings one instance up again after its data moved (restore, convert), waiting up to two minutes for its health;
     * "healthy", or what went wrong.
     */
    public static String upAgain(
            Fleet fleet, FleetContainers fc, String name, Duration stopTimeout, Consumer<String> progress) {
        progress.accept("bringing " + name + " up again");
        UpExecutor.Outcome o = new UpService(fleet, fc, (n, what) -> progress.accept(n + ": " + what))
                .up(
                        List.of(fleet.load(name)),
                        new Options(true, Duration.ofMinutes(2), stopTimeout),
                        new AtomicBoolean())
                .get(0);
        return o.ok() ? "healthy" : o.result();
    }

    public List<UpExecutor.Outcome> up(List<Instance> instances, Options options, AtomicBoolean cancel) {
        Preflight.require(fleet, instances);
        Map<String, String> refused = new LinkedHashMap<>();
        UpPlan.Plan plan = plan(instances, refused);
        for (String image :
                plan.steps().stream().map(s -> s.spec().image()).distinct().toList()) {
            if (containers.engine().image(image).isEmpty()) {
                throw AgentctlException.badInput(
                        "runtime image " + image + " is missing: run 'agentctl runtime build --force'");
            }
        }
        InstanceVolumes volumes = new InstanceVolumes(fleet, containers.engine());
        for (Instance i : instances) {
            if (volumes.uses(i) && volumes.existing(i.name()).size() < InstanceVolumes.PARTS.size()) {
                // the engine would make an empty one, and the agent would start from nothing
                throw AgentctlException.badInput(i.name() + "'s volumes (" + String.join(", ", volumes.names(i.name()))
                        + ") are missing; bring its data back with agentctl restore ARCHIVE --force");
            }
        }
        Networks.Making networks = Networks.startMaking(containers.engine(), fleet, instances);
        FleetState state = new FleetState(fleet);
        Map<String, Instance> byName = new HashMap<>();
        instances.forEach(i -> byName.put(i.name(), i));
        UpExecutor.Listener recording = new UpExecutor.Listener() {
            @Override
            public void event(String instance, String what) {
                listener.event(instance, what);
            }

            @Override
            public void started(String instance, String containerId, String configDigest) {
                state.setApplied(
                        instance,
                        containerId,
                        configDigest,
                        byName.get(instance).model());
                listener.started(instance, containerId, configDigest);
            }
        };
        state.setDesired(byName.keySet(), FleetState.Desired.RUNNING);
        UpExecutor executor = new UpExecutor(
                containers.engine(),
                new HealthWait(containers.engine(), clock, sleeper),
                recording,
                new UpExecutor.Options(
                        options.waitForHealth(), options.healthTimeout(), options.stopTimeout(), PARALLEL));
        List<UpExecutor.Outcome> outcomes = new ArrayList<>();
        refused.forEach((name, why) -> {
            listener.event(name, "FAILED: " + why);
            outcomes.add(new UpExecutor.Outcome(
                    name, UpPlan.Action.LEAVE, List.of(), "failed: " + why, false, List.of(), "", false));
        });
        try {
            outcomes.addAll(executor.execute(plan, name -> byName.get(name).env(), networks::await, cancel));
        } finally {
            networks.finish();
        }
        Networks.prune(containers.engine(), fleet);
        return outcomes;
    }
}
