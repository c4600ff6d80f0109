package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.InstanceRemoval;
import java.io.Console;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "rm",
        description = "Remove an instance: its folder goes to instances/.trash/ (or is deleted with --purge).",
        footer = {
            "",
            "Examples:",
            "  agentctl rm bob            # asks on a terminal",
            "  agentctl rm bob --yes --purge"
        })
final class RmCommand extends BaseCommand {
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

    @Override
    public Integer call() {
        Fleet fleet = fleet();
        if (!fleet.exists(Validate.name(name))) {
            fleet.require(name);
        }
        if (!yes) {
            Console c = System.console();
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
        try (FleetLock lock = lock(fleet);
                Engine engine = connect(fleet)) {
            where = InstanceRemoval.remove(fleet, engine, name, purge, !noBackup, out()::println);
        }
        out().println(
                        purge
                                ? "Removed " + name + " and deleted its data."
                                : "Removed " + name + "; its folder is now " + where);
        return 0;
    }

    /** The engine, or null (with a note) when none answers: the folder can still be removed. */
    private Engine connect(Fleet fleet) {
        try {
            return Engine.connect();
        } catch (AgentctlException e) {
            if (e.exitCode() != AgentctlException.ENGINE_UNREACHABLE) {
                throw e;
            }
            err().println("agentctl: note: " + e.getMessage() + "; if " + name
                    + " has a container, remove it with: docker rm -f " + fleet.containerName(name));
            return null;
        }
    }
}
