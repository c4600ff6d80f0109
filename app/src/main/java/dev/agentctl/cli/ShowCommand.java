package dev.agentctl.cli;

import dev.agentctl.fleet.EnvFile;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "show",
        description = "Show one instance's settings (secrets masked).",
        footer = {"", "Examples:", "  agentctl show alice", "  agentctl show alice --json"})
final class ShowCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--json", description = "JSON output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Fleet fleet = fleet();
        Instance i = fleet.require(Validate.name(name));
        Map<String, Object> m = summary(fleet, i);
        if (json) {
            printJson(m);
            return 0;
        }
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> mm) {
                out().printf("%-12s %s%n", k + ":", mm.isEmpty() ? "(none)" : "");
                mm.forEach((kk, vv) -> out().printf("  %-18s %s%n", kk + ":", vv));
            } else {
                out().printf("%-12s %s%n", k + ":", v);
            }
        });
        return 0;
    }

    /** The stable JSON shape of an instance (list --json, show --json). No secret values. */
    static Map<String, Object> summary(Fleet fleet, Instance i) {
        FleetConfig cfg = fleet.config();
        FleetConfig.Security s = i.effectiveSecurity(cfg);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("container", fleet.containerName(i.name()));
        m.put("port", i.port());
        m.put("bind", i.effectiveBind(cfg));
        m.put("model", i.model());
        m.put("provider", i.provider());
        m.put("soul", i.soul());
        m.put("created", i.created());
        m.put("cpus", i.effectiveCpus(cfg));
        m.put("memory", i.effectiveMemory(cfg));
        m.put("pids", i.effectivePids(cfg));
        Map<String, Object> sec = new LinkedHashMap<>();
        sec.put("readOnlyRootfs", s.readOnlyRootfs());
        sec.put("dropCapabilities", s.dropCapabilities());
        sec.put("noNewPrivileges", s.noNewPrivileges());
        if (s.relaxed()) {
            sec.put("relaxedBecause", s.reason());
        }
        m.put("security", sec);
        m.put("env", EnvFile.masked(i.env()));
        m.put(
                "apiKeySet",
                !i.env().getOrDefault(Validate.apiKeyVar(i.provider()), "").isEmpty());
        m.put("path", i.dir().toString());
        return m;
    }
}
