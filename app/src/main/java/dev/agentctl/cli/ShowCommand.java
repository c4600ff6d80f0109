package dev.agentctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "show",
        description = "Show one instance's settings (secrets masked), and any relaxed security with its reason.",
        footer = {"", "Examples:", "  agentctl show alice", "  agentctl show alice --json | jq .security"})
final class ShowCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--json", description = "JSON output.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Fleet fleet = fleet();
        Instance i = fleet.require(Validate.name(name));
        InstanceView v = InstanceView.of(fleet, i);
        if (json) {
            printJson(v);
            return 0;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new ObjectMapper().convertValue(v, Map.class);
        m.forEach((k, val) -> {
            if (val instanceof Map<?, ?> mm) {
                out().printf("%-12s %s%n", k + ":", mm.isEmpty() ? "(none)" : "");
                mm.forEach((kk, vv) -> out().printf("  %-18s %s%n", kk + ":", vv));
            } else {
                out().printf("%-12s %s%n", k + ":", val);
            }
        });
        return 0;
    }
}
