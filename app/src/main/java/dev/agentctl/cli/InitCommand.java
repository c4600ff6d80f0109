package dev.agentctl.cli;

import dev.agentctl.fleet.Skeleton;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "init",
        description = "Make a fleet root: fleet.yaml, templates/, souls/, instances/, .gitignore.",
        footer = {
            "",
            "Examples:",
            "  agentctl init ~/agents",
            "  agentctl init --force   # rewrite fleet.yaml and templates here; instances/ is never touched"
        })
final class InitCommand extends BaseCommand {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "DIR",
            description = "Folder to make the fleet root in (default: current folder).")
    Path dir;

    @Option(names = "--force", description = "Overwrite an existing fleet.yaml and templates.")
    boolean force;

    @Override
    public Integer call() {
        Path root = dir != null ? dir : common.root != null ? common.root : Path.of("");
        Skeleton.InitResult r = Skeleton.init(root.toAbsolutePath().normalize(), force);
        out().println("Fleet root ready at " + r.root() + " (" + r.written().size() + " files"
                + (r.instancesExisted() ? "; existing instances/ left as it was" : "") + ").");
        out().println("Next: agentctl --root " + r.root()
                + " create alice   (or cd there and run: agentctl create alice)");
        return 0;
    }
}
