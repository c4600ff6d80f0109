package dev.agentctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.Leftovers;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Base of every command: the global options, output streams, the fleet, the fleet lock, and the exit codes it can
 * return. Errors are mapped to exit codes by {@link Main}.
 */
public abstract class BaseCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help.")
    boolean help;

    Globals globals() {
        return ((Main) spec.root().userObject()).globals;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** "agentctl backup list", as this command is named to others (in the lock, in the journal). */
    String commandName() {
        return spec.qualifiedName(" ");
    }

    protected Fleet fleet() {
        Fleet.Location where = Fleet.locate(globals().root, globals().env.get(Fleet.ENV_ROOT), Path.of(""));
        if (where.shadowed() != null) {
            note("using the fleet root " + where.root().toAbsolutePath().normalize() + " from AGENTCTL_ROOT, not "
                    + where.shadowed() + " where you are (--root DIR picks one)");
        }
        return Fleet.open(where);
    }

    protected void note(String text) {
        err().println("agentctl: note: " + text);
    }

    /** The fleet lock for a command that changes the fleet (default wait two minutes); leftovers are reconciled. */
    protected FleetLock lock(Fleet fleet) {
        return lock(fleet, Duration.ofMinutes(2));
    }

    protected FleetLock lock(Fleet fleet, Duration defaultWait) {
        Globals g = globals();
        Duration wait =
                g.noWait ? Duration.ZERO : g.lockWait != null ? Validate.duration("--wait", g.lockWait) : defaultWait;
        FleetLock lock = FleetLock.acquire(fleet, wait, commandName(), msg -> {
            err().println("agentctl: " + msg);
            err().flush();
        });
        g.changed = fleet;
        try {
            Leftovers.onDisk(fleet).forEach(this::note);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        return lock;
    }

    /**
     * Runs {@code body} with the command's stdout and stderr as byte streams: the process's own (raw bytes, so that
     * binary output passes unchanged), or for in-process runs (tests) the command's writers, flushed at the end.
     */
    int streamed(java.util.function.BiFunction<java.io.OutputStream, java.io.OutputStream, Integer> body) {
        if (Main.realStdio) {
            out().flush();
            return body.apply(System.out, System.err);
        }
        ExecCommand.WriterStream o = new ExecCommand.WriterStream(out());
        ExecCommand.WriterStream e = new ExecCommand.WriterStream(err());
        try {
            return body.apply(o, e);
        } finally {
            o.flush();
            e.flush();
        }
    }

    protected void printJson(Object value) throws Exception {
        out().println(JSON.writeValueAsString(value));
    }

    /** Colour only on a terminal and never with NO_COLOR (or when output is captured, as in tests). */
    boolean colour() {
        return Main.realStdio && System.console() != null && !globals().env.containsKey("NO_COLOR");
    }

    /** The exit codes this command returns, for its help page. */
    Map<String, String> exitCodes() {
        Map<String, String> all = HelpLayout.allExitCodes();
        Map<String, String> mine = new LinkedHashMap<>();
        for (int code : codes()) {
            mine.put(" " + code, all.get(" " + code));
        }
        return mine;
    }

    /** 0, 1 and 2 always; 3 for commands that reach the engine, 4 where health is reported, 5 where the lock is taken. */
    List<Integer> codes() {
        return List.of(0, AgentctlException.FAILED, AgentctlException.BAD_INPUT);
    }

    static List<Integer> codes(int... extra) {
        List<Integer> l = new java.util.ArrayList<>(List.of(0, AgentctlException.FAILED, AgentctlException.BAD_INPUT));
        for (int e : extra) {
            l.add(e);
        }
        l.sort(null);
        return List.copyOf(l);
    }
}
