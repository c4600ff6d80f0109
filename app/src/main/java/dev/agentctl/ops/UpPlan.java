package dev.agentctl.ops;

import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecHash;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code up} as a pure function: what each instance's container should be (its spec) and what it is (the observed
 * container and the config it was started with) give one step per instance, with its reasons. No engine calls.
 */
public final class UpPlan {
    public enum Action {
        /** No container yet. */
        CREATE,
        /** Settings changed: a new container replaces the old one. */
        RECREATE,
        /** A new runtime build: replaced one instance at a time, rolled back if it does not get healthy. */
        ROLL,
        /** Only config.json changed: the agent reads it at start, so a restart applies it. */
        RESTART,
        START,
        UNPAUSE,
        LEAVE
    }

    /**
     * What an instance should be: {@code spec}, and {@code fallback}, the same instance on the runtime build its
     * container runs now (for a roll-back; null when there is no container).
     */
    public record Desired(String instance, ContainerSpec spec, ContainerSpec fallback) {}

    public record Step(
            String instance,
            Action action,
            List<String> reasons,
            ContainerSpec spec,
            Optional<ContainerInfo> current,
            ContainerSpec fallback) {}

    public record Plan(List<Step> steps) {
        /** Steps that may run side by side: everything but rolls. */
        public List<Step> parallel() {
            return steps.stream().filter(s -> s.action() != Action.ROLL).toList();
        }

        /** Rolls, in order, one at a time. */
        public List<Step> rolls() {
            return steps.stream().filter(s -> s.action() == Action.ROLL).toList();
        }
    }

    private UpPlan() {}

    /**
     * @param observed      each instance's container, by instance
     * @param appliedConfig the config.json digest each container (by id) was last started with
     */
    public static Plan plan(
            List<Desired> desired, Map<String, ContainerInfo> observed, Map<String, String> appliedConfig) {
        List<Step> steps = new ArrayList<>();
        for (Desired d : desired) {
            steps.add(step(d, Optional.ofNullable(observed.get(d.instance())), appliedConfig));
        }
        return new Plan(List.copyOf(steps));
    }

    static Step step(Desired d, Optional<ContainerInfo> current, Map<String, String> appliedConfig) {
        ContainerSpec spec = d.spec();
        if (current.isEmpty()) {
            return new Step(d.instance(), Action.CREATE, List.of("not created"), spec, current, null);
        }
        ContainerInfo c = current.get();
        if (!matches(spec, c)) {
            List<String> changed = changed(spec, c);
            String runtime = c.label(ContainerSpec.LABEL_RUNTIME);
            boolean newRuntime = !runtime.isEmpty() && !runtime.equals(spec.runtimeBuild());
            return new Step(
                    d.instance(), newRuntime ? Action.ROLL : Action.RECREATE, changed, spec, current, d.fallback());
        }
        if (c.state() == ContainerState.PAUSED) {
            return new Step(d.instance(), Action.UNPAUSE, List.of("paused"), spec, current, null);
        }
        if (c.state() == ContainerState.RUNNING || c.state() == ContainerState.RESTARTING) {
            String applied = appliedConfig.getOrDefault(c.id(), c.label(ContainerSpec.LABEL_CONFIG));
            if (spec.configDigest() != null
                    && !spec.configDigest().isEmpty()
                    && !applied.isEmpty()
                    && !applied.equals(spec.configDigest())) {
                return new Step(d.instance(), Action.RESTART, List.of("config.json changed"), spec, current, null);
            }
            return new Step(d.instance(), Action.LEAVE, List.of(), spec, current, null);
        }
        return new Step(d.instance(), Action.START, List.of(c.state().word()), spec, current, null);
    }

    /**
     * Whether the container is what the spec describes: its hash label equals the spec's hash, in the current scheme
     * or in the scheme of the agentctl that made it.
     */
    static boolean matches(ContainerSpec spec, ContainerInfo c) {
        String label = c.label(ContainerSpec.LABEL_HASH);
        return label.equals(spec.hash()) || label.equals(SpecHash.hash(spec, SpecHash.LEGACY));
    }

    /** The settings that changed, under the scheme that explains the container's labels best. */
    static List<String> changed(ContainerSpec spec, ContainerInfo c) {
        String old = c.label(ContainerSpec.LABEL_SETTINGS);
        List<String> current = spec.changedSettings(old);
        List<String> legacy = spec.withHashScheme(SpecHash.LEGACY).changedSettings(old);
        List<String> best = legacy.size() < current.size() ? legacy : current;
        return best.isEmpty() ? List.of("labels") : best;
    }
}
