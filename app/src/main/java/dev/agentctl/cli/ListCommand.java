package dev.agentctl.cli;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "list",
        aliases = "ls",
        description = "List the fleet's instances (from disk; Docker is not needed).",
        footer = {
            "",
            "Examples:",
            "  agentctl list",
            "  agentctl list -q",
            "  agentctl list --format '{{.name}}\\t{{.port}}'",
            "  agentctl list --json | jq -r '.[].name'"
        })
final class ListCommand extends BaseCommand {
    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        Fleet fleet = fleet();
        List<Fleet.Loaded> all = fleet.loadAll();
        output.print(out(), all, Fleet.Loaded::name, l -> view(fleet, l), rows -> {
            if (rows.isEmpty()) {
                out().println("No instances yet. Create one: agentctl create alice");
                return;
            }
            Table t = new Table("NAME", "PORT", "MODEL", "SOUL", "CPUS", "MEMORY", "CREATED");
            for (Fleet.Loaded l : rows) {
                Instance i = l.instance();
                if (i != null) {
                    t.row(
                            i.name(),
                            i.port(),
                            i.model(),
                            i.soul(),
                            Validate.number(i.effectiveCpus(fleet.config())),
                            i.effectiveMemory(fleet.config()),
                            i.created());
                }
            }
            t.print(out());
        });
        int bad = 0;
        for (Fleet.Loaded l : all) {
            if (l.error() != null) {
                err().println("agentctl: instance '" + l.name() + "' is unreadable: " + l.error());
                bad++;
            }
        }
        return bad == 0 ? 0 : 1;
    }

    private static Object view(Fleet fleet, Fleet.Loaded l) {
        if (l.instance() != null) {
            return InstanceView.of(fleet, l.instance());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", l.name());
        m.put("error", l.error());
        return m;
    }
}
