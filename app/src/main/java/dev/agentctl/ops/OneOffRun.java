package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code agentctl run}: a throwaway container of an instance, made from the same spec as its own container (image,
 * runtime, data, user, limits, hardening, network and .env), running one command and removed afterwards.
 */
public final class OneOffRun {
    private OneOffRun() {}

    /** The command's exit code, or {@link ContainerEngine#TIMED_OUT}. */
    public static int run(
            Fleet fleet,
            FleetContainers containers,
            Instance i,
            List<String> command,
            Duration timeout,
            OutputStream out,
            OutputStream err) {
        if (command.isEmpty()) {
            throw AgentctlException.badInput("give the command after --: agentctl run " + i.name() + " -- CMD...");
        }
        ContainerSpec spec = SpecBuilder.build(fleet, i);
        ContainerEngine engine = containers.engine();
        if (engine.image(spec.image()).isEmpty()) {
            throw AgentctlException.badInput(
                    "runtime image " + spec.image() + " is missing: run 'agentctl runtime build --force'");
        }
        Networks.ensure(engine, fleet, List.of(i));
        byte[] tag = new byte[4];
        new SecureRandom().nextBytes(tag);
        String name = spec.containerName() + RUN + HexFormat.of().formatHex(tag);
        return engine.runToEnd(spec.oneOff(name, command), i.env(), out, err, timeout);
    }

    /** What the name of a throwaway container has after its instance's container name. */
    public static final String RUN = "-run-";
}
