package dev.agentctl.cli;

import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "config",
        description = "Print the effective settings of an instance: its container exactly as 'agentctl up' makes it"
                + " (as a compose service, or --json), secrets never included.",
        footer = {"", "Examples:", "  agentctl config alice", "  agentctl config alice --json | jq .memoryBytes"})
final class ConfigCommand extends BaseCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--json", description = "The container spec as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Fleet fleet = fleet();
        Instance i = fleet.require(Validate.name(name));
        ContainerSpec spec = SpecBuilder.build(fleet, i);
        if (json) {
            printJson(spec);
        } else {
            out().print(ComposeFiles.render(
                    fleet,
                    i,
                    "# " + i.name() + " as agentctl up creates it (env_file holds the secrets; they are not shown)\n"));
        }
        return 0;
    }
}
