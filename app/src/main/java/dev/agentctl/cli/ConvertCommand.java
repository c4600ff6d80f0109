package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Storage;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.StorageConversion;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "convert",
        description = "Move an instance's data between bind folders (instances/NAME/config, workspace) and Docker"
                + " volumes; it is stopped while the data moves and started again if it ran.",
        footer = {
            "",
            "Examples:",
            "  agentctl convert alice --storage volume",
            "  agentctl convert alice --storage bind"
        })
final class ConvertCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--storage", required = true, paramLabel = "KIND", description = "bind or volume.")
    String storage;

    @Mixin
    StopTimeout timeout;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) throws Exception {
        Storage to = Storage.parse("--storage", storage);
        Validate.name(name);
        StorageConversion.Result r;
        try (FleetLock lock = lock(fleet)) {
            r = StorageConversion.convert(
                    fleet, containers, name, to, timeout.duration(), line -> out().println("  " + line));
            ComposeFiles.write(fleet);
        }
        if (!r.changed()) {
            out().println(name + " already keeps its data in " + (to == Storage.VOLUME ? "volumes" : "bind folders")
                    + "; nothing changed.");
            return 0;
        }
        boolean healthy = r.health() == null || "healthy".equals(r.health());
        out().println("Converted " + name + " to " + to.word() + " storage"
                + (r.health() == null
                        ? "."
                        : healthy
                                ? "; it is running again."
                                : "; it was started again but is NOT healthy (" + r.health() + "): see agentctl logs "
                                        + name));
        return healthy ? 0 : AgentctlException.UNHEALTHY;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED, AgentctlException.UNHEALTHY);
    }
}
