package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(
        name = "agentctl",
        versionProvider = Main.VersionText.class,
        description = "Runs a fleet of nanobot AI-agent instances on Docker.",
        footer = {
            "",
            "Examples:",
            "  agentctl init ~/agents && cd ~/agents",
            "  agentctl create alice 18790 gpt-4o-mini --soul expert --env OPENAI_API_KEY",
            "  agentctl runtime build && agentctl up && agentctl status",
            "",
            "The fleet root is --root DIR, else $AGENTCTL_ROOT, else the nearest parent folder",
            "holding fleet.yaml.",
            "Run 'agentctl help COMMAND' (or COMMAND --help) for a command's options and examples."
        })
public final class Main implements Runnable {
    /** agentctl's commands, in the order help lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            InitCommand.class,
            CreateCommand.class,
            ListCommand.class,
            ShowCommand.class,
            ConfigCommand.class,
            PortCommand.class,
            SetCommand.class,
            ChannelCommand.class,
            RmCommand.class,
            TrashCommand.class,
            ComposeCommand.class,
            RuntimeCommand.class,
            UpCommand.class,
            LifecycleCommands.Start.class,
            LifecycleCommands.Stop.class,
            LifecycleCommands.Restart.class,
            LifecycleCommands.Down.class,
            StatusCommand.class,
            LogsCommand.class,
            ExecCommand.class,
            RunCommand.class,
            CpCommand.class,
            FilesCommand.class,
            BackupCommand.class,
            SessionsCommand.class,
            RestoreCommand.class,
            ConvertCommand.class,
            MigrateCommand.class,
            MaintainCommand.class,
            ScheduleCommand.class,
            HistoryCommand.class,
            MetricsCommand.class,
            DoctorCommand.class,
            CompletionCommand.class,
            CompletionCommand.Candidates.class,
            CdsTrainCommand.class,
            HelpCommand.class);

    final Globals globals = new Globals();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help.")
    boolean help;

    @Option(
            names = {"-V", "--version"},
            versionHelp = true,
            description = "Print agentctl's version.")
    boolean version;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            scope = ScopeType.INHERIT,
            order = 100,
            description = "Fleet root (default: $AGENTCTL_ROOT, else the nearest parent folder holding fleet.yaml).")
    void root(Path p) {
        globals.root = p;
    }

    @Option(names = "--debug", scope = ScopeType.INHERIT, order = 101, description = "Print stack traces on errors.")
    void debug(boolean b) {
        globals.debug = b;
    }

    @Option(
            names = "--wait",
            paramLabel = "D",
            scope = ScopeType.INHERIT,
            order = 102,
            description = "How long to wait for the fleet lock when another agentctl holds it, like 30s or 5m"
                    + " (default 2m; 10m for backup and restore).")
    void lockWait(String d) {
        globals.lockWait = d;
    }

    @Option(
            names = "--no-wait",
            scope = ScopeType.INHERIT,
            order = 103,
            description = "Never wait: exit 5 at once when another agentctl holds the fleet lock (up: also do not"
                    + " wait for health).")
    void noWait(boolean b) {
        globals.noWait = b;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** True when agentctl runs as a program (not in-process from tests): exec then writes raw bytes to stdout. */
    static volatile boolean realStdio;

    public static void main(String[] args) {
        realStdio = true;
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(args, out, err));
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, out, err, System.getenv());
    }

    /** As {@link #execute(String[], PrintWriter, PrintWriter)}, reading {@code env} as the environment. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err, java.util.Map<String, String> env) {
        CommandLine cl = commandLine(CommandNames.only(COMMANDS, args));
        Globals g = ((Main) cl.getCommand()).globals;
        g.env = env;
        cl.setOut(out);
        cl.setErr(err);
        long t0 = System.nanoTime();
        int code = cl.execute(args);
        out.flush();
        err.flush();
        boolean dry = java.util.Arrays.asList(args).contains("--dry-run")
                || java.util.Arrays.asList(args).contains("-n");
        // bad input (2), no engine (3) and a held lock (5) change nothing: not journaled
        if (g.changed != null && !dry && code != 2 && code != 3 && code != 5) {
            dev.agentctl.ops.Journal.append(
                    g.changed,
                    dev.agentctl.ops.Journal.command(
                            g.changed,
                            java.util.List.of(args),
                            code,
                            java.time.Duration.ofNanos(System.nanoTime() - t0)));
        }
        return code;
    }

    /** agentctl with all its commands. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * agentctl with only {@code only} as its command, or all of them when null: picocli builds the model of every
     * command it is given from its annotations, which for all of agentctl's costs more than most commands take.
     */
    static CommandLine commandLine(Class<?> only) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : COMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        cl.setExecutionExceptionHandler(Main::onException);
        cl.setParameterExceptionHandler(Main::onBadUsage);
        HelpLayout.install(cl);
        return cl;
    }

    private static int onBadUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        String line = "agentctl: " + firstLine(e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException u) {
            List<String> near = u.getSuggestions();
            if (!near.isEmpty()) {
                line += "; did you mean " + String.join(" or ", near.subList(0, Math.min(3, near.size()))) + "?";
            }
        }
        cmd.getErr().println(line + " (see 'agentctl help" + sub(cmd) + "')");
        return AgentctlException.BAD_INPUT;
    }

    /** " backup list" for that command, "" for the root. */
    private static String sub(CommandLine cmd) {
        String q = cmd.getCommandSpec().qualifiedName(" ");
        return q.equals("agentctl") ? "" : q.substring("agentctl".length());
    }

    private static int onException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean debug = cmd.getCommandSpec().root().userObject() instanceof Main m && m.globals.debug;
        PrintWriter err = cmd.getErr();
        if (e instanceof AgentctlException a) {
            err.println("agentctl: " + firstLine(a.getMessage()));
            if (debug) {
                a.printStackTrace(err);
            }
            return a.exitCode();
        }
        err.println("agentctl: " + (e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage()))
                + (debug ? "" : " (run with --debug for details)"));
        if (debug) {
            e.printStackTrace(err);
        }
        return AgentctlException.FAILED;
    }

    /** Error output is one line: foreign messages (a stack of causes) are cut to their first. */
    static String firstLine(String message) {
        return message == null
                ? ""
                : message.strip().lines().findFirst().orElse("").strip();
    }

    static final class VersionText implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"agentctl " + dev.agentctl.Version.get(), "Java " + System.getProperty("java.version")
            };
        }
    }
}
