package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.ArchiveCheck;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.Engines;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.RestoreService;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "restore",
        description = "Restore an instance from a backup (checked in full first, swapped in atomically).",
        footer = {
            "",
            "Examples:",
            "  agentctl restore backups/alice/alice-20261123T070000Z.tar.zst --as alice2",
            "  agentctl restore backups/alice/alice-20261123T070000Z.tar.zst --force",
            "      # replaces alice (backed up first)"
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

    @Option(
            names = "--keep-channels",
            description = "With --as: keep the chat channels on (default: off, as the original may still use their"
                    + " tokens; a token another instance uses is refused).")
    boolean keepChannels;

    @Option(
            names = "--storage",
            paramLabel = "KIND",
            description = "bind or volume: where the restored instance keeps its data (default: as in the archive).")
    String storage;

    @Option(
            names = "--max-entries",
            paramLabel = "N",
            description = "Refuse an archive declaring more files and folders (default: 2000000).")
    String maxEntries;

    @Option(
            names = "--max-bytes",
            paramLabel = "SIZE",
            description = "Refuse an archive declaring more bytes, like 300g (default: 256g).")
    String maxBytes;

    @Override
    public Integer call() {
        if (keepChannels && as == null) {
            throw AgentctlException.badInput(
                    "--keep-channels goes with --as NEW: a restore in place keeps its channels");
        }
        Fleet fleet = fleet();
        ContainerEngine[] engine = {null};
        try (FleetLock lock = lock(fleet, BackupCommand.LOCK_WAIT)) {
            RestoreService.Restored r = new RestoreService(
                            fleet,
                            () -> new FleetContainers(fleet, engine[0] = Engines.connect()),
                            line -> out().println("  " + line))
                    .restore(file, as, port, force, keepChannels, storage, limits());
            ComposeFiles.write(fleet);
            r.warnings().forEach(w -> err().println("agentctl: warning: " + w));
            boolean healthy = r.health() == null || "healthy".equals(r.health());
            out().println("Restored " + r.name() + " on port " + r.port()
                    + (r.safetyBackup() == null ? "" : "; the replaced data is in " + r.safetyBackup())
                    + (r.health() == null
                            ? ". Start it with: agentctl up " + r.name()
                            : healthy
                                    ? ". It is running again."
                                    : ". It was started again but is NOT healthy (" + r.health()
                                            + "): see agentctl logs " + r.name()));
            return healthy ? 0 : AgentctlException.UNHEALTHY;
        } finally {
            if (engine[0] != null) {
                engine[0].close();
            }
        }
    }

    /** The bounds an archive must declare itself within (free disk space is checked too). */
    ArchiveCheck.Limits limits() {
        long entries =
                maxEntries == null ? ArchiveCheck.Limits.DEFAULT_ENTRIES : Validate.count("--max-entries", maxEntries);
        long bytes = maxBytes == null ? ArchiveCheck.Limits.DEFAULT_BYTES : Validate.size("--max-bytes", maxBytes);
        return new ArchiveCheck.Limits(entries, bytes, Long.MAX_VALUE);
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.UNHEALTHY, AgentctlException.LOCKED);
    }
}
