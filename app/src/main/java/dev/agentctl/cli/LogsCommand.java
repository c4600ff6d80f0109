package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "logs",
        description = "Show an instance's logs; with -f and no name, follow all instances (prefixed, like compose).",
        footer = {
            "",
            "Examples:",
            "  agentctl logs alice --tail 50",
            "  agentctl logs -f",
            "  agentctl logs bob --since 10m --timestamps"
        })
final class LogsCommand extends EngineCommand {
    @Parameters(
            paramLabel = "NAME",
            arity = "0..*",
            description = "Instances (default: all; needs -f or --tail for more than one).")
    List<String> names = List.of();

    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing new lines.")
    boolean follow;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
    Integer tail;

    @Option(names = "--since", paramLabel = "D", description = "Only lines newer than this (e.g. 10m, 2h).")
    String since;

    @Option(
            names = {"-t", "--timestamps"},
            description = "Show timestamps.")
    boolean timestamps;

    @Override
    protected int run(Fleet fleet, Engine engine) throws Exception {
        if (tail != null && tail < 0) {
            throw AgentctlException.badInput("invalid --tail '" + tail + "': use 0 or more");
        }
        Integer sinceEpoch = since == null
                ? null
                : (int) Instant.now().minus(Validate.duration(since)).getEpochSecond();
        List<Instance> instances = UpCommand.select(fleet, names);
        List<ContainerInfo> containers = new ArrayList<>();
        for (Instance i : instances) {
            dev.agentctl.ops.FleetContainers.find(fleet, engine, i.name()).ifPresentOrElse(containers::add, () -> {
                if (!names.isEmpty()) {
                    throw AgentctlException.badInput(
                            "instance '" + i.name() + "' has no container yet: run 'agentctl up " + i.name() + "'");
                }
            });
        }
        if (containers.size() == 1 && names.size() == 1) {
            engine.logs(containers.get(0).id(), follow, tail, sinceEpoch, timestamps, line -> {
                synchronized (this) {
                    out().println(line);
                    out().flush();
                }
            });
            return 0;
        }
        int width = containers.stream()
                .mapToInt(c ->
                        c.label(dev.agentctl.spec.ContainerSpec.LABEL_INSTANCE).length())
                .max()
                .orElse(0);
        List<Thread> threads = new ArrayList<>();
        for (ContainerInfo c : containers) {
            String prefix =
                    String.format("%-" + width + "s | ", c.label(dev.agentctl.spec.ContainerSpec.LABEL_INSTANCE));
            Thread t = new Thread(() -> engine.logs(c.id(), follow, tail, sinceEpoch, timestamps, line -> {
                synchronized (this) {
                    out().println(prefix + line);
                    out().flush();
                }
            }));
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        return 0;
    }
}
