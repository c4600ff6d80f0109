package dev.agentctl.cli;

import dev.agentctl.compose.ComposeFiles;
import java.nio.file.Path;
import picocli.CommandLine.Command;

@Command(
        name = "compose",
        description = "Re-render docker-compose.yml and every instance's docker-compose.override.yml.",
        footer = {"", "Examples:", "  agentctl compose && docker-compose config -q"})
final class ComposeCommand extends BaseCommand {
    @Override
    public Integer call() {
        dev.agentctl.fleet.Fleet fleet = fleet();
        Path file;
        try (var lock = lock(fleet)) {
            file = ComposeFiles.write(fleet);
        }
        out().println("Wrote " + file);
        return 0;
    }
}
