package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ExecRequest;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "exec",
        description = "Run a command in a running instance and return its exit code.",
        footer = {
            "",
            "Examples:",
            "  agentctl exec alice -- nanobot status",
            "  agentctl exec -w /home/nanobot/workspace alice -- ls -la",
            "  agentctl exec -u 0 -e DEBUG=1 alice -- env",
            "  agentctl exec -it alice -- bash     # interactive: uses the docker CLI (see README)"
        })
final class ExecCommand extends EngineCommand {
    @Option(
            names = {"-i", "--interactive"},
            description = "Keep stdin open (with -t: an interactive shell).")
    boolean interactive;

    @Option(
            names = {"-t", "--tty"},
            description = "Allocate a terminal.")
    boolean tty;

    @Option(
            names = {"-u", "--user"},
            paramLabel = "USER",
            description = "Run as this user (name or uid[:gid]).")
    String user;

    @Option(
            names = {"-e", "--env"},
            paramLabel = "KEY=VALUE",
            description = "Set an environment variable (repeatable).")
    List<String> env = List.of();

    @Option(
            names = {"-w", "--workdir"},
            paramLabel = "DIR",
            description = "Working folder inside the container.")
    String workdir;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command (after --).")
    List<String> command = List.of();

    @Override
    protected int run(Fleet fleet, FleetContainers containers) throws Exception {
        fleet.require(Validate.name(name));
        Map<String, String> vars = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw AgentctlException.badInput("invalid -e '" + e.replaceAll("=.*", "=***") + "': use KEY=VALUE");
            }
            vars.put(e.substring(0, eq), e.substring(eq + 1));
        }
        ContainerInfo c = containers
                .find(name)
                .filter(ContainerInfo::running)
                .orElseThrow(() -> AgentctlException.badInput(
                        "instance '" + name + "' is not running: run 'agentctl up " + name + "'"));
        if (interactive || tty) {
            // docker-java's exec cannot drive a terminal properly (raw mode, resize), so the docker CLI does it
            List<String> argv = new ArrayList<>(List.of("docker", "exec"));
            argv.add(interactive && tty ? "-it" : interactive ? "-i" : "-t");
            if (user != null) {
                argv.addAll(List.of("-u", user));
            }
            if (workdir != null) {
                argv.addAll(List.of("-w", workdir));
            }
            vars.forEach((k, v) -> argv.addAll(List.of("-e", k + "=" + v)));
            argv.add(c.id());
            argv.addAll(command);
            try {
                return new ProcessBuilder(argv).inheritIO().start().waitFor();
            } catch (java.io.IOException e) {
                throw AgentctlException.failed(
                        "-i/-t needs the docker CLI on PATH (" + e.getMessage() + "); without -it, output is streamed",
                        e);
            }
        }
        ExecRequest req = new ExecRequest(command, user, vars, workdir);
        return streamed((o, e) -> containers.engine().exec(c.id(), req, o, e));
    }

    /** Bytes from the engine to the command's PrintWriter, for in-process runs (tests capture exec output so). */
    static final class WriterStream extends OutputStream {
        private final java.io.PrintWriter w;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        WriterStream(java.io.PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            pending.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        @Override
        public void flush() {
            w.print(pending.toString(java.nio.charset.StandardCharsets.UTF_8));
            pending.reset();
            w.flush();
        }
    }
}
