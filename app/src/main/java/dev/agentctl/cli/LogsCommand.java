package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.LogQuery;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.spec.ContainerSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "logs",
        description = "Show instances' logs; with several (or none: all), lines are prefixed, like compose.",
        footer = {
            "",
            "Examples:",
            "  agentctl logs alice -n 50",
            "  agentctl logs -f",
            "  agentctl logs bob --since 10m --timestamps"
        })
final class LogsCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
    List<String> names = List.of();

    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing new lines.")
    boolean follow;

    @Option(
            names = {"-n", "--tail"},
            paramLabel = "N",
            description = "Only the last N lines, or all (default: all).")
    String tail = "all";

    @Option(names = "--since", paramLabel = "D", description = "Only lines newer than this (e.g. 10m, 2h).")
    String since;

    @Option(
            names = {"-t", "--timestamps"},
            description = "Show timestamps.")
    boolean timestamps;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) throws Exception {
        Integer lines = null;
        if (!"all".equals(tail)) {
            try {
                lines = Integer.parseInt(tail);
            } catch (NumberFormatException e) {
                lines = -1;
            }
            if (lines < 0) {
                throw AgentctlException.badInput("invalid --tail '" + tail + "': use a number (0 or more) or all");
            }
        }
        Integer sinceEpoch = since == null
                ? null
                : (int) Instant.now().minus(Validate.duration("--since", since)).getEpochSecond();
        LogQuery q = new LogQuery(follow, lines, sinceEpoch, timestamps);
        Selection selection = Selection.of(fleet, names);
        selection.reportUnreadable(err());
        List<Instance> instances = selection.instances();
        List<ContainerInfo> found = new ArrayList<>();
        for (Instance i : instances) {
            containers.find(i.name()).ifPresentOrElse(found::add, () -> {
                if (!names.isEmpty()) {
                    throw AgentctlException.badInput(
                            "instance '" + i.name() + "' has no container yet: run 'agentctl up " + i.name() + "'");
                }
            });
        }
        if (found.size() == 1 && names.size() == 1) {
            containers.engine().logs(found.get(0).id(), q, line -> {
                synchronized (this) {
                    out().println(line);
                    out().flush();
                }
            });
            return 0;
        }
        int width = found.stream()
                .mapToInt(c -> c.label(ContainerSpec.LABEL_INSTANCE).length())
                .max()
                .orElse(0);
        List<Thread> threads = new ArrayList<>();
        for (ContainerInfo c : found) {
            String prefix = String.format("%-" + width + "s | ", c.label(ContainerSpec.LABEL_INSTANCE));
            Thread t = new Thread(() -> containers.engine().logs(c.id(), q, line -> {
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
        return selection.unreadable().isEmpty() ? 0 : AgentctlException.FAILED;
    }
}
