package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.Reconciler;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "up",
        description = "Create, recreate (when settings changed) or start instances, and wait until they are healthy.",
        footer = {"", "Examples:", "  agentctl up", "  agentctl up alice bob --timeout 3m", "  agentctl up --no-wait"})
final class UpCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
    List<String> names = List.of();

    @Option(names = "--no-wait", description = "Do not wait for health.")
    boolean noWait;

    @Option(
            names = "--timeout",
            paramLabel = "D",
            description = "How long to wait for each instance to become healthy (default: 2m).")
    String timeout = "2m";

    static List<Instance> select(Fleet fleet, List<String> names) {
        if (names.isEmpty()) {
            return fleet.instances();
        }
        return names.stream().map(n -> fleet.require(Validate.name(n))).toList();
    }

    @Override
    protected int run(Fleet fleet, Engine engine) {
        Duration wait = Validate.duration(timeout);
        List<Instance> instances = select(fleet, names);
        if (instances.isEmpty()) {
            out().println("No instances yet. Create one: agentctl create alice");
            return 0;
        }
        try (FleetLock lock = lock(fleet)) {
            List<Reconciler.Outcome> outcomes =
                    new Reconciler(fleet, engine, line -> out().println("  " + line)).up(instances, !noWait, wait);
            ComposeFiles.write(fleet);
            int bad = 0;
            for (Reconciler.Outcome o : outcomes) {
                if (!noWait && !o.healthy()) {
                    bad++;
                    err().println(o.name() + " did not become healthy (" + o.health() + ")"
                            + (o.rolledBack() ? "; it was put back on its previous runtime" : "") + ".");
                    if (!o.probe().isBlank()) {
                        err().println("  last health probe: " + o.probe());
                    }
                    if (!o.logs().isEmpty()) {
                        err().println("  last log lines:");
                        o.logs().forEach(l -> err().println("    " + l));
                    }
                }
            }
            long changed = outcomes.stream()
                    .filter(o -> o.action() != Reconciler.Action.NONE)
                    .count();
            out().println((noWait ? "Started" : "Up") + ": " + outcomes.size() + " instance(s), " + changed + " changed"
                    + (bad > 0 ? ", " + bad + " NOT healthy" : noWait ? "" : ", all healthy") + ".");
            return bad > 0 ? AgentctlException.UNHEALTHY : 0;
        }
    }
}
