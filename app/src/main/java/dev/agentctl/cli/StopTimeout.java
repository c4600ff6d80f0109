package dev.agentctl.cli;

import dev.agentctl.fleet.Validate;
import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a container gets to stop before it is killed: the same option and syntax on every command. */
final class StopTimeout {
    /** nanobot's graceful stop waits up to 15 s for running tasks and 15 s per channel. */
    static final String DEFAULT = "45s";

    @Option(
            names = {"-t", "--timeout"},
            paramLabel = "D",
            description = "Time to stop gracefully before the container is killed, like 45s or 2m (default: " + DEFAULT
                    + ").")
    String timeout = DEFAULT;

    Duration duration() {
        return Validate.duration("--timeout", timeout);
    }
}
