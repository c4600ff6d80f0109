package dev.agentctl.cli;

import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.ops.FleetLock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** start, stop, restart and down: one engine call per instance, several instances at once. */
abstract class LifecycleCommands extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
    List<String> names = List.of();

    /** Does the work for one container; returns what to print, or null to print nothing. */
    abstract String apply(Engine engine, ContainerInfo c);

    @Override
    protected int run(Fleet fleet, Engine engine) throws Exception {
        List<Instance> instances = UpCommand.select(fleet, names);
        try (FleetLock lock = lock(fleet)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> results = instances.stream()
                        .map(i -> pool.submit(() -> {
                            Optional<ContainerInfo> c = dev.agentctl.ops.FleetContainers.find(fleet, engine, i.name());
                            return c.isEmpty()
                                    ? i.name() + ": not created (agentctl up " + i.name() + ")"
                                    : i.name() + ": " + apply(engine, c.get());
                        }))
                        .toList();
                for (Future<String> f : results) {
                    try {
                        out().println(f.get());
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw e.getCause() instanceof Exception ex ? ex : e;
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
        return 0;
    }

    @Command(
            name = "start",
            description = "Start stopped instances (their containers must exist: see up).",
            footer = {"", "Examples:", "  agentctl start", "  agentctl start alice"})
    static final class Start extends LifecycleCommands {
        @Override
        String apply(Engine engine, ContainerInfo c) {
            engine.start(c.id());
            return "started";
        }
    }

    @Command(
            name = "stop",
            description = "Stop instances (containers and data stay).",
            footer = {"", "Examples:", "  agentctl stop", "  agentctl stop bob --timeout 30"})
    static final class Stop extends LifecycleCommands {
        @Option(
                names = "--timeout",
                paramLabel = "SECONDS",
                description = "Seconds to wait before killing (default: 10).")
        int timeout = 10;

        @Override
        String apply(Engine engine, ContainerInfo c) {
            engine.stop(c.id(), timeout);
            return "stopped";
        }
    }

    @Command(
            name = "restart",
            description = "Restart instances.",
            footer = {"", "Examples:", "  agentctl restart alice"})
    static final class Restart extends LifecycleCommands {
        @Option(
                names = "--timeout",
                paramLabel = "SECONDS",
                description = "Seconds to wait before killing (default: 10).")
        int timeout = 10;

        @Override
        String apply(Engine engine, ContainerInfo c) {
            engine.restart(c.id(), timeout);
            return "restarted";
        }
    }

    @Command(
            name = "down",
            description = "Remove instances' containers; all their data stays on disk.",
            footer = {"", "Examples:", "  agentctl down", "  agentctl down bob"})
    static final class Down extends LifecycleCommands {
        @Override
        String apply(Engine engine, ContainerInfo c) {
            engine.stop(c.id(), 10);
            engine.remove(c.id());
            return "removed container " + c.name() + " (data kept)";
        }
    }
}
