package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "port",
        description = "Print where an instance's gateway is published, as its container has it (like docker port).",
        footer = {
            "",
            "Examples:",
            "  agentctl port alice",
            "  curl http://$(agentctl port alice | cut -d' ' -f3)/health"
        })
final class PortCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) {
        Instance i = fleet.require(Validate.name(name));
        ContainerInfo c = containers
                .find(i.name())
                .orElseThrow(() ->
                        AgentctlException.badInput("instance '" + name + "' has no container yet (its files say port "
                                + i.port() + "): run 'agentctl up " + name + "'"));
        for (ContainerInfo.Published p : c.ports()) {
            String ip = p.hostIp().contains(":") ? "[" + p.hostIp() + "]" : p.hostIp();
            out().println(p.containerPort() + "/tcp -> " + ip + ":" + p.hostPort());
        }
        if (c.ports().stream().noneMatch(p -> p.hostPort() == i.port())) {
            note("its files say port " + i.port() + "; apply that with: agentctl up " + name);
        }
        return 0;
    }
}
