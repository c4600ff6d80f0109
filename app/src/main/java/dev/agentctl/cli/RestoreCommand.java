package dev.agentctl.cli;

import dev.agentctl.backup.RestoreService;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetLock;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "restore",
        description = "Restore an instance from a backup (verified first, swapped in atomically).",
        footer = {
            "",
            "Examples:",
            "  agentctl restore backups/alice/alice-20261123T070000Z.tar.gz --as alice2",
            "  agentctl restore backups/alice/alice-20261123T070000Z.tar.gz --force   # replace alice (backed up first)"
        })
final class RestoreCommand extends BaseCommand {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--as", paramLabel = "NEW", description = "Restore as a new instance with this name.")
    String as;

    @Option(
            names = "--port",
            paramLabel = "P",
            description = "Port for the restored instance (default: its own if free, else a free one).")
    String port;

    @Option(names = "--force", description = "Replace the existing instance of the same name.")
    boolean force;

    @Override
    public Integer call() {
        Fleet fleet = fleet();
        Engine[] engine = {null};
        try (FleetLock lock = FleetLock.acquire(fleet, Duration.ofMinutes(10))) {
            RestoreService.Restored r = new RestoreService(
                            fleet, () -> engine[0] = Engine.connect(), line -> out().println("  " + line))
                    .restore(file, as, port, force);
            ComposeFiles.write(fleet);
            boolean healthy = r.health() == null || "healthy".equals(r.health()) || "running".equals(r.health());
            out().println("Restored " + r.name() + " on port " + r.port()
                    + (r.safetyBackup() == null ? "" : "; the replaced data is in " + r.safetyBackup())
                    + (r.health() == null
                            ? ". Start it with: agentctl up " + r.name()
                            : healthy
                                    ? ". It is running again."
                                    : ". It was started again but is NOT healthy (" + r.health()
                                            + "): see agentctl logs " + r.name()));
            return healthy ? 0 : dev.agentctl.AgentctlException.UNHEALTHY;
        } finally {
            if (engine[0] != null) {
                engine[0].close();
            }
        }
    }
}
