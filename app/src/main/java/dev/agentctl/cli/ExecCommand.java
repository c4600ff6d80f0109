package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
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
            "  agentctl exec alice -- ls -la /home/nanobot/workspace",
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

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The command (after --).")
    List<String> command = List.of();

    @Override
    protected int run(Fleet fleet, Engine engine) throws Exception {
        fleet.require(Validate.name(name));
        List<String> cmd = command.isEmpty() ? List.of("/bin/bash") : command;
        ContainerInfo c = dev.agentctl.ops.FleetContainers.find(fleet, engine, name)
                .filter(ContainerInfo::running)
                .orElseThrow(() -> AgentctlException.badInput(
                        "instance '" + name + "' is not running: run 'agentctl up " + name + "'"));
        if (interactive || tty) {
            // docker-java's exec cannot drive a terminal properly (raw mode, resize), so the docker CLI does it
            List<String> argv = new ArrayList<>(List.of("docker", "exec"));
            argv.add(interactive && tty ? "-it" : interactive ? "-i" : "-t");
            argv.add(c.id());
            argv.addAll(cmd);
            try {
                return new ProcessBuilder(argv).inheritIO().start().waitFor();
            } catch (java.io.IOException e) {
                throw AgentctlException.failed(
                        "-i/-t needs the docker CLI on PATH (" + e.getMessage() + "); without -it, output is streamed",
                        e);
            }
        }
        if (Main.realStdio) { // raw bytes: binary output (exec -- tar c ...) must pass unchanged
            out().flush();
            return engine.exec(c.id(), cmd, System.out, System.err);
        }
        return engine.exec(c.id(), cmd, new WriterStream(out()), new WriterStream(err()));
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
