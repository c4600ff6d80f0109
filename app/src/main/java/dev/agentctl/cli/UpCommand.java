package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.UpExecutor;
import dev.agentctl.ops.UpPlan;
import dev.agentctl.ops.UpService;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "up",
        description = "Create, recreate (when settings changed), restart (when only config.json changed) or start"
                + " instances, and wait until they are healthy.",
        footer = {
            "",
            "Examples:",
            "  agentctl up",
            "  agentctl up alice bob --wait-timeout 3m",
            "  agentctl up --no-wait",
            "  agentctl up --dry-run      # what would change, and why"
        })
final class UpCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
    List<String> names = List.of();

    @Option(
            names = "--wait-timeout",
            paramLabel = "D",
            description = "How long to wait for each instance to become healthy (default: 2m).")
    String waitTimeout = "2m";

    @Option(
            names = {"-n", "--dry-run"},
            description = "Print the plan; change nothing.")
    boolean dryRun;

    @Mixin
    StopTimeout stopTimeout;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) {
        boolean wait = !globals().noWait;
        var health = Validate.duration("--wait-timeout", waitTimeout);
        var stop = stopTimeout.duration();
        Selection selection = Selection.of(fleet, names);
        List<Instance> instances = selection.instances();
        if (instances.isEmpty()) {
            if (selection.reportUnreadable(err())) {
                return AgentctlException.FAILED;
            }
            out().println("No instances yet. Create one: agentctl create alice");
            return 0;
        }
        UpExecutor.Listener listener = (instance, what) -> {
            synchronized (this) {
                out().println("  " + instance + ": " + what);
                out().flush();
            }
        };
        if (dryRun) {
            for (UpPlan.Step s :
                    new UpService(fleet, containers, listener).plan(instances).steps()) {
                out().println("  " + s.instance() + ": " + s.action().name().toLowerCase()
                        + (s.reasons().isEmpty() ? "" : " (" + String.join(", ", s.reasons()) + ")"));
            }
            return selection.reportUnreadable(err()) ? AgentctlException.FAILED : 0;
        }
        AtomicBoolean cancel = new AtomicBoolean();
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            cancel.set(true);
            err().println("agentctl: interrupted: finishing the changes under way (a recreate puts the old container"
                    + " back if its new one did not start); the rest are not started");
            err().flush();
            try {
                main.join(120_000);
            } catch (InterruptedException ignored) {
                // shutting down anyway
            }
        });
        List<UpExecutor.Outcome> outcomes;
        try (FleetLock lock = lock(fleet)) {
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                outcomes = new UpService(fleet, containers, listener)
                        .up(instances, new UpService.Options(wait, health, stop), cancel);
            } finally {
                removeHook(hook);
            }
            ComposeFiles.write(fleet);
        }
        int bad = 0;
        int degraded = 0;
        for (UpExecutor.Outcome o : outcomes) {
            if (!o.ok()) {
                bad++;
                degraded += o.result().startsWith("degraded") ? 1 : 0;
                err().println((o.result().startsWith("degraded")
                                ? o.instance() + " is up but " + o.result()
                                : o.instance() + " did not become healthy (" + o.result() + ")")
                        + (o.rolledBack() ? "; it was put back on its previous runtime" : "")
                        + ".");
                if (!o.probe().isBlank()) {
                    err().println("  last health probe: " + o.probe());
                }
                if (!o.logs().isEmpty()) {
                    err().println("  last log lines:");
                    o.logs().forEach(l -> err().println("    " + l));
                }
            }
        }
        long changed =
                outcomes.stream().filter(o -> o.action() != UpPlan.Action.LEAVE).count();
        boolean leftOut = selection.reportUnreadable(err());
        out().println((wait ? "Up" : "Started") + ": " + outcomes.size() + " instance(s), " + changed + " changed"
                + (bad > degraded ? ", " + (bad - degraded) + " NOT healthy" : "")
                + (degraded > 0 ? ", " + degraded + " degraded" : "")
                + (bad == 0 && wait ? ", all healthy" : "")
                + (leftOut ? ", " + selection.unreadable().size() + " left out" : "") + ".");
        return bad > 0 ? AgentctlException.UNHEALTHY : leftOut ? AgentctlException.FAILED : 0;
    }

    static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down: the hook runs
        }
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.UNHEALTHY, AgentctlException.LOCKED);
    }
}
