package dev.agentctl.cli;

import dev.agentctl.fleet.Fleet;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --to DIR}: where backups are, for every backup command. */
final class BackupsDir {
    @Option(names = "--to", paramLabel = "DIR", description = "Backups folder (default: fleet.yaml backups.dir).")
    Path to;

    Path of(Fleet fleet) {
        return to != null ? to.toAbsolutePath().normalize() : fleet.backupsDir();
    }
}
