package dev.agentctl.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
        name = "help",
        helpCommand = true,
        description = "Show the help of agentctl or of one of its commands.",
        footer = {"", "Examples:", "  agentctl help", "  agentctl help backup prune"})
final class HelpCommand implements CommandLine.IHelpCommandInitializable2, Runnable {
    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command, and a subcommand of it.")
    List<String> words = List.of();

    @CommandLine.Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help.")
    boolean help;

    private CommandLine self;
    private PrintWriter out;

    @Override
    public void init(
            CommandLine helpCommandLine, CommandLine.Help.ColorScheme colorScheme, PrintWriter out, PrintWriter err) {
        this.self = helpCommandLine;
        this.out = out;
    }

    @Override
    public void run() {
        CommandLine target = self.getParent();
        for (String w : words) {
            CommandLine next = target.getSubcommands().get(w);
            if (next == null) {
                throw new CommandLine.ParameterException(self, "unknown command '" + w + "'" + suggestion(target, w));
            }
            target = next;
        }
        target.usage(out);
    }

    private static String suggestion(CommandLine parent, String word) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : parent.getSubcommands().keySet()) {
            int d = distance(name, word);
            if (d < bestDistance) {
                bestDistance = d;
                best = name;
            }
        }
        return best != null && bestDistance <= 2 ? "; did you mean " + best + "?" : "";
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(
                        Math.min(cur[j - 1] + 1, prev[j] + 1),
                        prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            prev = cur;
        }
        return prev[b.length()];
    }
}
