package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceEditor;
import dev.agentctl.ops.FleetLock;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "set",
        description = "Change an instance without editing JSON by hand; 'agentctl up' applies it to the container.",
        footer = {
            "",
            "Examples:",
            "  agentctl set alice --model gpt-4o --memory 2g",
            "  agentctl set alice --env OPENAI_API_KEY          # the value from your environment",
            "  agentctl set alice --unset OLD_TOKEN",
            "  agentctl set bob --port 18801 --soul creative",
            "  agentctl set carol --provider ollama --api-base http://10.0.0.5:11434/v1"
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

    @Option(names = "--provider", paramLabel = "P", description = "One of nanobot's providers.")
    String provider;

    @Option(names = "--api-base", paramLabel = "URL", description = "The provider's API URL.")
    String apiBase;

    @Option(
            names = "--sessions-budget",
            paramLabel = "SIZE",
            description = "What its config/ and workspace/ may hold (2g) before maintain archives its oldest"
                    + " sessions; 'default': fleet.yaml's sessions.budget.")
    String sessionsBudget;

    @Option(
            names = "--network",
            paramLabel = "MODE",
            description = "isolated, fleet, internal or none (see agentctl create --help); 'default': fleet.yaml's"
                    + " defaults.network.")
    String network;

    @Mixin
    EnvOptions env;

    @Option(names = "--unset", paramLabel = "KEY", description = "Remove a key from the instance's .env (repeatable).")
    List<String> unset = List.of();

    @Override
    public Integer call() {
        InstanceEditor.Change change = new InstanceEditor.Change(
                model,
                port,
                cpus,
                memory,
                soul,
                env.values(globals().env),
                new LinkedHashSet<>(unset),
                bind,
                provider,
                apiBase,
                sessionsBudget,
                network);
        if (change.isEmpty()) {
            throw AgentctlException.badInput(
                    "nothing to change: give --model, --port, --cpus, --memory, --soul, --bind, --provider, --api-base,"
                            + " --sessions-budget, --network, --env or --unset");
        }
        Fleet fleet = fleet();
        Instance i;
        try (FleetLock lock = lock(fleet)) {
            i = new InstanceEditor(fleet).update(name, change);
            ComposeFiles.write(fleet);
        }
        out().println("Changed " + i.name() + ". Apply it to its container with: agentctl up " + i.name());
        return 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.LOCKED);
    }
}
