package dev.agentctl.cli;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "list",
        aliases = "ls",
        description = "List the fleet's instances (from disk; Docker is not needed).",
        footer = {"", "Examples:", "  agentctl list", "  agentctl list --json | jq -r '.[].name'"})
final class ListCommand extends BaseCommand {
    @Option(names = "--json", description = "JSON output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Fleet fleet = fleet();
        List<Fleet.Loaded> all = fleet.loadAll();
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Fleet.Loaded l : all) {
                rows.add(
                        l.instance() == null
                                ? Map.of("name", l.name(), "error", l.error())
                                : ShowCommand.summary(fleet, l.instance()));
            }
            printJson(rows);
        } else if (all.isEmpty()) {
            out().println("No instances yet. Create one: agentctl create alice");
        } else {
            Table t = new Table("NAME", "PORT", "MODEL", "SOUL", "CPUS", "MEMORY", "CREATED");
            for (Fleet.Loaded l : all) {
                Instance i = l.instance();
                if (i != null) {
                    t.row(
                            i.name(),
                            i.port(),
                            i.model(),
                            i.soul(),
                            i.effectiveCpus(fleet.config()),
                            i.effectiveMemory(fleet.config()),
                            i.created());
                }
            }
            t.print(out());
        }
        int bad = 0;
        for (Fleet.Loaded l : all) {
            if (l.error() != null) {
                err().println("agentctl: instance '" + l.name() + "' is unreadable: " + l.error());
                bad++;
            }
        }
        return bad == 0 ? 0 : 1;
    }
}
