package dev.agentctl.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command takes. */
public final class CommonOptions {
    @Option(
            names = "--root",
            paramLabel = "DIR",
            description = "Fleet root (default: $AGENTCTL_ROOT, else the nearest parent folder holding fleet.yaml).")
    Path root;

    @Option(names = "--debug", description = "Print stack traces on errors.")
    boolean debug;
}
