package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Scaffolder;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "set",
        description = "Change an instance without editing JSON by hand; 'agentctl up' applies it to the container.",
        footer = {
            "",
            "Examples:",
            "  agentctl set alice --model gpt-4o --memory 2g",
            "  agentctl set alice --env OPENAI_API_KEY=sk-...",
            "  agentctl set bob --port 18801 --soul creative"
        })
final class SetCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--model", paramLabel = "M")
    String model;

    @Option(names = "--port", paramLabel = "P")
    String port;

    @Option(names = "--cpus", paramLabel = "N")
    String cpus;

    @Option(names = "--memory", paramLabel = "SIZE")
    String memory;

    @Option(
            names = "--soul",
            paramLabel = "SOUL",
            description = "Replaces SOUL.md (the old one is kept as SOUL.md.bak).")
    String soul;

    @Option(names = "--bind", paramLabel = "ADDR")
    String bind;

    @Option(
            names = "--env",
            paramLabel = "KEY=VALUE",
            description = "Set a secret in the instance's .env (repeatable).")
    List<String> env = List.of();

    @Override
    public Integer call() {
        if (model == null
                && port == null
                && cpus == null
                && memory == null
                && soul == null
                && bind == null
                && env.isEmpty()) {
            throw AgentctlException.badInput(
                    "nothing to change: give --model, --port, --cpus, --memory, --soul, --bind or --env");
        }
        Fleet fleet = fleet();
        Instance i;
        try (var lock = lock(fleet)) {
            i = new Scaffolder(fleet)
                    .update(
                            name,
                            new Scaffolder.Change(model, port, cpus, memory, soul, CreateCommand.envPairs(env), bind));
            ComposeFiles.write(fleet);
        }
        out().println("Changed " + i.name() + ". Apply to its container with: agentctl up " + i.name());
        return 0;
    }
}
