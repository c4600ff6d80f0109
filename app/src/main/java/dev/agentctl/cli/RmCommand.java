package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.InstanceRemoval;
import java.io.Console;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "rm",
        description = "Remove an instance: its container, and its folder into instances/.trash/ (or deleted with"
                + " --purge), after a final backup.",
        footer = {
            "",
            "Examples:",
            "  agentctl rm bob            # asks on a terminal",
            "  agentctl rm bob --yes --purge",
            "  agentctl trash restore bob # brings it back"
        })
final class RmCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(
            names = {"-y", "--yes"},
            description = "Do not ask.")
    boolean yes;

    @Option(names = "--purge", description = "Delete the folder instead of moving it to instances/.trash/.")
    boolean purge;

    @Option(names = "--no-backup", description = "Skip the final backup taken before removing.")
    boolean noBackup;

    @Mixin
    StopTimeout timeout;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) {
        fleet.require(Validate.name(name));
        if (!yes) {
            Console c = Main.realStdio ? System.console() : null;
            if (c == null) {
                throw AgentctlException.badInput(
                        "refusing to remove '" + name + "' without --yes (no terminal to ask on)");
            }
            String a = c.readLine("Remove instance %s%s? [y/N] ", name, purge ? " and DELETE its data" : "");
            if (a == null || !a.trim().toLowerCase().startsWith("y")) {
                out().println("Left " + name + " as it was.");
                return 0;
            }
        }
        Path where;
        try (FleetLock lock = lock(fleet)) {
            where = InstanceRemoval.remove(
                    fleet, containers, name, purge, !noBackup, timeout.duration(), out()::println);
        }
        out().println(
                        purge
                                ? "Removed " + name + " and deleted its data."
                                : "Removed " + name + "; its folder is now " + where + " (agentctl trash restore "
                                        + name + ")");
        return 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
    }
}
