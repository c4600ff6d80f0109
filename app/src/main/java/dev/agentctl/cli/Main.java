package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
        name = "agentctl",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = Main.Version.class,
        description = "Runs a fleet of nanobot AI-agent instances on one Docker host.",
        subcommands = {
            InitCommand.class,
            CreateCommand.class,
            ListCommand.class,
            ShowCommand.class,
            SetCommand.class,
            RmCommand.class,
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
            BackupCommand.class,
            RestoreCommand.class,
            MigrateCommand.class,
            CompletionCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:ok",
            " 1:failed",
            " 2:bad input or usage",
            " 3:Docker engine unreachable",
            " 4:something unhealthy (status, up, maintain, doctor)",
            " 5:another agentctl holds the fleet lock"
        },
        footer = {
            "",
            "Examples:",
            "  agentctl init ~/agents && cd ~/agents",
            "  agentctl create alice 18790 gpt-4o-mini --soul expert",
            "  agentctl list",
            "",
            "The fleet root is --root DIR, else $AGENTCTL_ROOT, else the nearest parent folder holding fleet.yaml."
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** True when agentctl runs as a program (not in-process from tests): exec then writes raw bytes to stdout. */
    static volatile boolean realStdio;

    public static void main(String[] args) {
        realStdio = true;
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::onException);
        cl.setParameterExceptionHandler(Main::onBadUsage);
        return cl;
    }

    private static int onBadUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr()
                .println("agentctl: " + e.getMessage().split("\n")[0] + " (see '"
                        + cmd.getCommandSpec().qualifiedName() + " --help')");
        return AgentctlException.BAD_INPUT;
    }

    private static int onException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean debug = cmd.getCommand() instanceof BaseCommand b && b.common.debug;
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

    /** Error output is one line: foreign messages (the daemon's JSON, a stack of causes) are cut to their first. */
    static String firstLine(String message) {
        return message == null
                ? ""
                : message.strip().lines().findFirst().orElse("").strip();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"agentctl " + dev.agentctl.Version.get(), "Java " + System.getProperty("java.version")
            };
        }
    }
}
