package dev.agentctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.Journal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "history",
        description = "What changed the fleet: the operations journal (.agentctl/journal.jsonl), oldest first.",
        footer = {"", "Examples:", "  agentctl history", "  agentctl history alice --since 24h --json"})
final class HistoryCommand extends BaseCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only what named this instance.")
    String name;

    @Option(names = "--since", paramLabel = "D", description = "Only the last D, like 24h or 7d.")
    String since;

    @Option(names = "--json", description = "One JSON object per line, as written.")
    boolean json;

    @Override
    public Integer call() {
        Fleet fleet = fleet();
        Instant from = since == null ? Instant.EPOCH : Instant.now().minus(Validate.duration("--since", since));
        List<JsonNode> lines = new ArrayList<>();
        for (JsonNode n : Journal.read(fleet)) {
            Instant t;
            try {
                t = Instant.parse(n.path("time").asText());
            } catch (RuntimeException e) {
                continue;
            }
            boolean mine = name == null || Journal.mentions(n, name);
            if (!t.isBefore(from) && mine) {
                lines.add(n);
            }
        }
        for (JsonNode n : lines) {
            if (json) {
                out().println(n.toString());
                continue;
            }
            List<String> words = new ArrayList<>();
            n.path("command").forEach(w -> words.add(w.asText()));
            out().println(n.path("time").asText() + "  " + n.path("user").asText() + "  agentctl "
                    + String.join(" ", words) + "  -> " + n.path("exitCode").asInt() + " ("
                    + n.path("durationMs").asLong() + " ms)");
            n.path("did").forEach(d -> out().println("    " + d.asText()));
        }
        return 0;
    }
}
