package dev.agentctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentctl.fleet.Fleet;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** Base of every command: common options, output streams, the fleet. Errors are mapped to exit codes by Main. */
public abstract class BaseCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    protected Fleet fleet() {
        return Fleet.open(Fleet.locate(common.root, System.getenv(Fleet.ENV_ROOT), Path.of("")));
    }

    /** The fleet lock for a command that changes the fleet; a second agentctl waits up to two minutes (exit 5). */
    protected static dev.agentctl.ops.FleetLock lock(Fleet fleet) {
        return dev.agentctl.ops.FleetLock.acquire(fleet, java.time.Duration.ofMinutes(2));
    }

    protected void printJson(Object value) throws Exception {
        out().println(JSON.writeValueAsString(value));
    }

    /** Colour only on a terminal and never with NO_COLOR. */
    protected static boolean colour() {
        return System.console() != null && System.getenv("NO_COLOR") == null;
    }
}
