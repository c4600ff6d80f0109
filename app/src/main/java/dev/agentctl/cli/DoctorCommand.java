package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.Doctor;
import dev.agentctl.ops.FleetContainers;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(
        name = "doctor",
        description = "Check the fleet: engine, runtime (verified), each instance's files, modes, ports, keys, tokens,"
                + " literal secrets, gateway host, its container against its files, stale holds, leftovers and the"
                + " disk. One line per finding with the command that fixes it; exit 4 when anything fails. Changes"
                + " nothing.",
        footer = {"", "Examples:", "  agentctl doctor", "  agentctl doctor alice --json"})
final class DoctorCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
    List<String> names = List.of();

    @Mixin
    OutputOptions output;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) {
        names.forEach(n -> fleet.require(Validate.name(n)));
        List<Doctor.Check> checks = new Doctor(fleet, containers).run(names);
        output.print(out(), checks, c -> c.check() + " " + c.subject(), c -> c, list -> {
            for (Doctor.Check c : list) {
                out().println(String.format("%-4s  %-8s %-12s %s", c.status(), c.check(), c.subject(), c.message())
                        + (c.fix().isEmpty() ? "" : "\n      fix: " + c.fix()));
            }
        });
        return checks.stream().anyMatch(c -> c.status().equals("fail")) ? AgentctlException.UNHEALTHY : 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.UNHEALTHY);
    }
}
