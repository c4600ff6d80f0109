package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Trash;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.TrashService;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "trash",
        description = "Instances removed by 'agentctl rm': list them, bring one back, or empty the trash.",
        subcommands = {TrashCommand.ListTrash.class, TrashCommand.Restore.class, TrashCommand.Empty.class},
        footer = {
            "",
            "Examples:",
            "  agentctl trash list",
            "  agentctl trash restore bob",
            "  agentctl trash empty --yes"
        })
final class TrashCommand extends BaseCommand {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    @Command(
            name = "list",
            description = "Removed instances, newest first.",
            footer = {"", "Examples:", "  agentctl trash list", "  agentctl trash list --json"})
    static final class ListTrash extends BaseCommand {
        @Mixin
        OutputOptions output;

        record View(String instance, String removedAt, long bytes, String path) {}

        @Override
        public Integer call() {
            List<Trash.Entry> entries = new Trash(fleet()).list();
            output.print(
                    out(),
                    entries,
                    Trash.Entry::instance,
                    e -> new View(
                            e.instance(),
                            e.removedAt().toString(),
                            e.bytes(),
                            e.path().toString()),
                    rows -> {
                        if (rows.isEmpty()) {
                            out().println("The trash is empty.");
                            return;
                        }
                        Table t = new Table("INSTANCE", "REMOVED (UTC)", "SIZE", "FOLDER");
                        rows.forEach(e -> t.row(e.instance(), e.removedAt(), Table.bytes(e.bytes()), e.path()));
                        t.print(out());
                    });
            return 0;
        }
    }

    @Command(
            name = "restore",
            description = "Bring the newest removed copy of an instance back into instances/.",
            footer = {
                "",
                "A port another instance took meanwhile is replaced by a free one.",
                "",
                "Examples:",
                "  agentctl trash restore bob && agentctl up bob"
            })
    static final class Restore extends BaseCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Fleet fleet = fleet();
            Validate.name(name);
            TrashService.Restored r;
            try (FleetLock lock = lock(fleet)) {
                r = new TrashService(fleet).restore(name);
                ComposeFiles.write(fleet);
            }
            out().println("Restored " + name + " from " + r.from() + " on port " + r.port()
                    + (r.portChanged() ? " (its old port is taken now)" : "") + ". Start it with: agentctl up " + name);
            return 0;
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.LOCKED);
        }
    }

    @Command(
            name = "empty",
            description = "Delete removed instances for good (all, or one instance's).",
            footer = {"", "Examples:", "  agentctl trash empty --yes", "  agentctl trash empty bob --yes"})
    static final class Empty extends BaseCommand {
        @Parameters(paramLabel = "NAME", arity = "0..1")
        String name;

        @Option(
                names = {"-y", "--yes"},
                description = "Do not ask.")
        boolean yes;

        @Override
        public Integer call() {
            if (name != null) {
                Validate.name(name);
            }
            if (!yes) {
                throw AgentctlException.badInput("refusing to delete the trash without --yes");
            }
            Fleet fleet = fleet();
            int n;
            try (FleetLock lock = lock(fleet)) {
                n = new Trash(fleet).empty(name);
            }
            out().println("Deleted " + n + " removed instance folder(s)" + (name == null ? "" : " of " + name) + ".");
            return 0;
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.LOCKED);
        }
    }
}
