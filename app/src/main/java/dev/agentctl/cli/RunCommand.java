package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.OneOffRun;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "run",
        description = "Run one command in a throwaway container of an instance (its runtime, data, limits, hardening,"
                + " network and .env), running or not; the container is removed afterwards and the command's exit"
                + " code is agentctl's.",
        footer = {
            "",
            "Examples:",
            "  agentctl run alice -- nanobot agent -m \"hello\"",
            "  agentctl run --timeout 5m alice -- nanobot status"
        })
final class RunCommand extends EngineCommand {
    /** The exit code when the command outlived --timeout, as timeout(1) has it. */
    static final int TIMED_OUT = 124;

    @Option(
            names = "--timeout",
            paramLabel = "D",
            description = "Kill it after this long (30s, 5m); exit " + TIMED_OUT + " then. Default: no limit.")
    String timeout;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command (after --).")
    List<String> command = List.of();

    @Override
    protected int run(Fleet fleet, FleetContainers containers) {
        Duration limit = timeout == null ? Duration.ofDays(3650) : Validate.duration("--timeout", timeout);
        if (limit.isZero() || limit.isNegative()) {
            throw AgentctlException.badInput("invalid --timeout '" + timeout + "': give a duration above 0, like 30s");
        }
        Instance i = fleet.load(Validate.name(name));
        int code = streamed((o, e) -> OneOffRun.run(fleet, containers, i, command, limit, o, e));
        if (code == ContainerEngine.TIMED_OUT) {
            err().println("agentctl: " + String.join(" ", command) + " did not finish within " + timeout
                    + ": it was killed and its container removed");
            return TIMED_OUT;
        }
        return code;
    }

    @Override
    java.util.Map<String, String> exitCodes() {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put(" N", "the command's own exit code");
        m.put(" " + AgentctlException.BAD_INPUT, "bad input or usage (nothing was run)");
        m.put(" " + AgentctlException.ENGINE_UNREACHABLE, "Docker engine unreachable");
        m.put(" " + TIMED_OUT, "it outlived --timeout and was killed");
        return m;
    }
}
