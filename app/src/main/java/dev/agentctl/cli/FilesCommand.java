package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FileTransfer;
import dev.agentctl.ops.FleetContainers;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "files",
        description = "List a folder of an instance's data (default: workspace) through the engine, running or not:"
                + " name, type, size, mode, time and link target of each entry.",
        footer = {"", "Examples:", "  agentctl files alice", "  agentctl files alice config/logs --json"})
final class FilesCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "PATH",
            description = "workspace/..., config/... (default: workspace).")
    String path = "workspace";

    @Mixin
    OutputOptions output;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) {
        Instance i = fleet.require(Validate.name(name));
        List<FileTransfer.Entry> entries = new FileTransfer(fleet, containers).list(i, path);
        output.print(out(), entries, e -> e.name().replaceAll("[\\p{Cntrl}\\p{Cf}]", "?"), e -> e, list -> {
            Table t = new Table("MODE", "SIZE", "MODIFIED", "TYPE", "NAME");
            for (FileTransfer.Entry e : list) {
                String shown = e.name() + (e.target() == null ? "" : " -> " + e.target());
                t.row(
                        e.mode(),
                        Table.bytes(e.size()),
                        e.mtime(),
                        e.type(),
                        shown.replaceAll("[\\p{Cntrl}\\p{Cf}]", "?"));
            }
            t.print(out());
        });
        return 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE);
    }
}
