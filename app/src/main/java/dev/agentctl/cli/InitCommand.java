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
            "The fleet's name (container prefix, compose project) defaults to the folder's name.",
            "",
            "Examples:",
            "  agentctl init ~/agents",
            "  agentctl init ~/team --name team",
            "  agentctl init --force   # rewrite fleet.yaml and templates here; instances/ is never touched"
        })
final class InitCommand extends BaseCommand {
    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "DIR",
            description = "Folder to make the fleet root in (default: --root, else the current folder).")
    Path dir;

    @Option(names = "--force", description = "Overwrite an existing fleet.yaml and templates.")
    boolean force;

    @Option(names = "--name", paramLabel = "NAME", description = "The fleet's name (default: from the folder's name).")
    String name;

    @Override
    public Integer call() {
        Path root = dir != null ? dir : globals().root != null ? globals().root : Path.of("");
        Skeleton.InitResult r = Skeleton.init(root.toAbsolutePath().normalize(), force, name);
        out().println("Fleet root ready at " + r.root() + " (fleet '" + r.name() + "', "
                + r.written().size() + " files" + (r.instancesExisted() ? "; existing instances/ left as it was" : "")
                + ").");
        out().println("Next: cd " + r.root() + " && agentctl create alice   (or: agentctl --root " + r.root()
                + " create alice)");
        return 0;
    }
}
