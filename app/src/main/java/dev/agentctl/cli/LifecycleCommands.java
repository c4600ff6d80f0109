package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.EngineException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.Lifecycle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** start, stop, restart and down: one engine call per instance, several instances at once. */
abstract class LifecycleCommands extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
    List<String> names = List.of();

    /**
     * Runs {@code action} on each instance (four at a time) and prints "NAME: what happened". One instance that
     * fails or cannot be read does not stop the others; the run then exits 1. An unreachable engine stops it (3).
     */
    int each(Fleet fleet, FleetContainers containers, BiFunction<Lifecycle, Instance, String> action) throws Exception {
        Selection selection = Selection.of(fleet, names);
        Lifecycle lifecycle = new Lifecycle(fleet, containers);
        int failed = 0;
        try (FleetLock lock = lock(fleet)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> results = selection.instances().stream()
                        .map(i -> pool.submit(() -> i.name() + ": " + action.apply(lifecycle, i)))
                        .toList();
                for (int n = 0; n < results.size(); n++) {
                    try {
                        out().println(results.get(n).get());
                    } catch (ExecutionException e) {
                        if (e.getCause() instanceof EngineException ee
                                && ee.kind() == EngineException.Kind.UNREACHABLE) {
                            throw ee;
                        }
                        failed++;
                        err().println("agentctl: "
                                + selection.instances().get(n).name() + ": "
                                + e.getCause().getMessage());
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
        boolean leftOut = selection.reportUnreadable(err());
        return failed > 0 || leftOut ? AgentctlException.FAILED : 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
    }

    @Command(
            name = "start",
            description = "Start stopped instances (their containers must exist: see up).",
            footer = {"", "Examples:", "  agentctl start", "  agentctl start alice"})
    static final class Start extends LifecycleCommands {
        @Override
        protected int run(Fleet fleet, FleetContainers containers) throws Exception {
            return each(fleet, containers, Lifecycle::start);
        }
    }

    @Command(
            name = "stop",
            description =
                    "Stop instances (containers and data stay; an instance stopped on purpose is not reported as down).",
            footer = {"", "Examples:", "  agentctl stop", "  agentctl stop bob -t 90s"})
    static final class Stop extends LifecycleCommands {
        @Mixin
        StopTimeout timeout;

        @Override
        protected int run(Fleet fleet, FleetContainers containers) throws Exception {
            Duration t = timeout.duration();
            return each(fleet, containers, (l, i) -> l.stop(i, t));
        }
    }

    @Command(
            name = "restart",
            description = "Restart instances (a changed config.json takes effect).",
            footer = {"", "Examples:", "  agentctl restart alice", "  agentctl restart -t 10s"})
    static final class Restart extends LifecycleCommands {
        @Mixin
        StopTimeout timeout;

        @Override
        protected int run(Fleet fleet, FleetContainers containers) throws Exception {
            Duration t = timeout.duration();
            return each(fleet, containers, (l, i) -> l.restart(i, t));
        }
    }

    @Command(
            name = "down",
            description = "Remove instances' containers; all their data stays on disk.",
            footer = {
                "",
                "Examples:",
                "  agentctl down",
                "  agentctl down bob",
                "  agentctl down --remove-orphans   # also containers whose instance folder is gone"
            })
    static final class Down extends LifecycleCommands {
        @Mixin
        StopTimeout timeout;

        @Option(names = "--remove-orphans", description = "Also remove this fleet's containers whose instance is gone.")
        boolean removeOrphans;

        @Override
        protected int run(Fleet fleet, FleetContainers containers) throws Exception {
            Duration t = timeout.duration();
            int code = each(fleet, containers, (l, i) -> l.down(i.name(), t));
            if (removeOrphans) {
                List<String> known = fleet.instanceNames();
                List<String> removed = new ArrayList<>();
                try (FleetLock lock = lock(fleet)) {
                    for (var e : containers.observe().byInstance().entrySet()) {
                        if (!known.contains(e.getKey())) {
                            ContainerInfo c = e.getValue();
                            containers.engine().remove(c.id());
                            removed.add(c.name());
                        }
                    }
                }
                removed.forEach(n -> out().println("removed orphan container " + n));
            }
            return code;
        }
    }
}
