package dev.agentctl.cli;

import java.nio.file.Path;

/** The options every command takes, before or after its name (set on the root command, inherited by all). */
final class Globals {
    /** The environment agentctl reads (AGENTCTL_ROOT, NO_COLOR, --env KEY values): the process's, or a test's. */
    java.util.Map<String, String> env = System.getenv();

    Path root;
    boolean debug;
    String lockWait;
    boolean noWait;

    /** The fleet whose lock this run took: the run changes it, so it goes to the operations journal. */
    dev.agentctl.fleet.Fleet changed;
}
