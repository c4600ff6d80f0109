package dev.agentctl.cli;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.Metrics;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "metrics",
        description = "The fleet's metrics in Prometheus's text format: per instance up, health, degraded, restarts,"
                + " CPU, memory and limit, uptime, newest backup; maintain's last run; the fleet's disk.",
        footer = {
            "",
            "With --textfile the file is replaced atomically (0644), as node_exporter's textfile collector",
            "wants: point --collector.textfile.directory at its folder and name it *.prom.",
            "",
            "Examples:",
            "  agentctl metrics",
            "  agentctl metrics --textfile /var/lib/prometheus/node-exporter/agentctl.prom"
        })
final class MetricsCommand extends EngineCommand {
    @Option(names = "--textfile", paramLabel = "PATH", description = "Write them to PATH instead of stdout.")
    Path textfile;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) {
        String text = Metrics.collect(fleet, containers, Instant.now());
        if (textfile == null) {
            out().print(text);
        } else {
            AtomicFiles.write(
                    textfile.toAbsolutePath(),
                    text,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
        return 0;
    }
}
