package dev.agentctl.ops;

import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.NetworkInfo;
import dev.agentctl.engine.NetworkSpec;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.NetworkMode;
import dev.agentctl.io.Parallel;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.InstanceNetwork;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The networks of a fleet's containers (see {@link InstanceNetwork}), made as compose would make them and labelled
 * with the fleet's id; an instance's own network also with its name, and its subnet from fleet.yaml's subnets.
 */
public final class Networks {
    private Networks() {}

    /** The network an instance's container joins; empty for network none. */
    public static Optional<NetworkSpec> of(Fleet fleet, Instance inst) {
        InstanceNetwork n = InstanceNetwork.of(fleet, inst);
        if (n.mode() == NetworkMode.NONE) {
            return Optional.empty();
        }
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("com.docker.compose.project", fleet.config().name());
        labels.put("com.docker.compose.network", n.composeKey());
        labels.put(ContainerSpec.LABEL_FLEET, fleet.config().name());
        labels.put(ContainerSpec.LABEL_FLEET_ID, fleet.id());
        if (n.own()) {
            labels.put(ContainerSpec.LABEL_INSTANCE, inst.name());
        }
        return Optional.of(new NetworkSpec(
                n.name(), n.internal(), labels, n.own() ? fleet.config().subnets() : null));
    }

    /** Makes the networks these instances join, where missing. */
    public static void ensure(ContainerEngine engine, Fleet fleet, List<Instance> instances) {
        List<RuntimeException> failed = java.util.Collections.synchronizedList(new ArrayList<>());
        engine.ensureNetworks(specs(fleet, instances), (name, why) -> {
            if (why != null) {
                failed.add(why);
            }
        });
        if (!failed.isEmpty()) {
            throw failed.get(0);
        }
    }

    private static List<NetworkSpec> specs(Fleet fleet, List<Instance> instances) {
        return instances.stream()
                .map(i -> of(fleet, i))
                .flatMap(Optional::stream)
                .distinct()
                .toList();
    }

    /**
     * Starts making the networks these instances join, where missing, in the background: each instance's container
     * can be created as soon as its own network exists ({@link Making#await}), while the engine makes the rest.
     */
    public static Making startMaking(ContainerEngine engine, Fleet fleet, List<Instance> instances) {
        Map<String, CompletableFuture<Void>> byNetwork = new HashMap<>();
        Map<String, CompletableFuture<Void>> byInstance = new HashMap<>();
        for (Instance i : instances) {
            of(fleet, i)
                    .ifPresent(n -> byInstance.put(
                            i.name(), byNetwork.computeIfAbsent(n.name(), k -> new CompletableFuture<>())));
        }
        CompletableFuture<Void> all =
                CompletableFuture.runAsync(() -> engine.ensureNetworks(specs(fleet, instances), (name, why) -> {
                    if (why == null) {
                        byNetwork.get(name).complete(null);
                    } else {
                        byNetwork.get(name).completeExceptionally(why);
                    }
                }));
        // the engine could not be asked at all: every instance waiting for a network is told why
        all.whenComplete((v, failure) -> byNetwork
                .values()
                .forEach(f -> f.completeExceptionally(
                        failure != null ? failure : new IllegalStateException("network not made"))));
        return new Making(byInstance, all);
    }

    /** Networks being made: {@link #await} blocks until an instance's own exists, and throws why it could not be. */
    public record Making(Map<String, CompletableFuture<Void>> byInstance, CompletableFuture<Void> all) {
        public void await(String instance) {
            CompletableFuture<Void> f = byInstance.get(instance);
            if (f != null) {
                Parallel.join(f);
            }
        }

        /** Waits for the background work to end (it may still be making a network nobody waited for). */
        public void finish() {
            all.exceptionally(e -> null).join();
        }
    }

    /**
     * Removes the fleet's own instance networks that no instance on disk joins any more (its instance removed, or its
     * network mode changed); one a container still uses stays. Returns the names removed.
     */
    public static List<String> prune(ContainerEngine engine, Fleet fleet) {
        Set<String> wanted = new HashSet<>();
        for (String name : fleet.instanceNames()) {
            try {
                wanted.add(InstanceNetwork.of(fleet, fleet.load(name)).name());
            } catch (RuntimeException e) {
                return List.of(); // an unreadable instance: which network it wants is unknown, so none is removed
            }
        }
        List<String> removed = new ArrayList<>();
        for (NetworkInfo n : engine.networks(Map.of(ContainerSpec.LABEL_FLEET_ID, fleet.id()))) {
            if (n.labels().containsKey(ContainerSpec.LABEL_INSTANCE) && !wanted.contains(n.name())) {
                try {
                    engine.removeNetwork(n.name());
                    removed.add(n.name());
                } catch (EngineException e) {
                    // still in use (a one-off run, or a container up has not replaced): the next up removes it
                }
            }
        }
        return removed;
    }
}
