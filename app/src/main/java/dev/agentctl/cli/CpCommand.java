package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FileTransfer;
import dev.agentctl.ops.FleetContainers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "cp",
        description = "Copy a file or folder between the host and an instance's data folders (NAME:PATH, PATH being"
                + " workspace/..., config/... or a path under /home/nanobot/workspace or /home/nanobot/.nanobot),"
                + " through the engine, running or not. Never writes over a file; links are copied as links and never"
                + " followed.",
        footer = {
            "",
            "Examples:",
            "  agentctl cp alice:workspace/memory/MEMORY.md .",
            "  agentctl cp ./skills/weather alice:workspace/skills",
            "  agentctl cp alice:/home/nanobot/.nanobot/logs /tmp/alice-logs"
        })
final class CpCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "SRC", description = "NAME:PATH or a host path.")
    String src;

    @Parameters(index = "1", paramLabel = "DST", description = "A host path or NAME:PATH.")
    String dst;

    /** NAME:PATH, or null for a host path (one with a / before any :, or no :). */
    static String[] split(String arg) {
        int colon = arg.indexOf(':');
        int slash = arg.indexOf('/');
        if (colon <= 0 || (slash >= 0 && slash < colon)) {
            return null;
        }
        return new String[] {arg.substring(0, colon), arg.substring(colon + 1)};
    }

    @Override
    protected int run(Fleet fleet, FleetContainers containers) throws IOException {
        String[] from = split(src);
        String[] to = split(dst);
        if ((from == null) == (to == null)) {
            throw AgentctlException.badInput("give one NAME:PATH and one host path: agentctl cp alice:workspace/x ."
                    + " or agentctl cp ./x alice:workspace/");
        }
        FileTransfer t = new FileTransfer(fleet, containers);
        if (from != null) {
            Instance i = fleet.require(Validate.name(from[0]));
            Path written = t.copyOut(i, from[1], Path.of(dst));
            out().println("Copied " + i.name() + ":" + FileTransfer.dataPath(from[1]) + " to " + written);
        } else {
            Instance i = fleet.require(Validate.name(to[0]));
            String written = t.copyIn(i, Path.of(src), to[1]);
            out().println("Copied " + src + " to " + i.name() + ":" + written);
        }
        return 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE);
    }
}
