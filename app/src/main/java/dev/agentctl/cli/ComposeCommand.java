package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetLock;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;

@Command(
        name = "compose",
        description = "Re-render docker-compose.yml and every instance's docker-compose.override.yml.",
        footer = {"", "Examples:", "  agentctl compose && docker-compose config -q"})
final class ComposeCommand extends BaseCommand {
    @Override
    public Integer call() {
        Fleet fleet = fleet();
        Path file;
        try (FleetLock lock = lock(fleet)) {
            file = ComposeFiles.write(fleet);
        }
        out().println("Wrote " + file);
        return Selection.of(fleet, List.of()).reportUnreadable(err()) ? AgentctlException.FAILED : 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.LOCKED);
    }
}
