package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Help pages: wrapped only at spaces, examples as written, exit codes each command can really return, suggestions. */
class HelpPagesTest {
    /** Every command's path ("backup prune"), hidden ones left out. */
    static List<String> commands() {
        List<String> out = new ArrayList<>();
        collect(Main.commandLine(), "", out);
        return out;
    }

    private static void collect(CommandLine cl, String path, List<String> out) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandSpec().usageMessage().hidden()
                    && sub.getCommandSpec().name().equals(name)) {
                String p = path.isEmpty() ? name : path + " " + name;
                out.add(p);
                collect(sub, p, out);
            }
        });
    }

    static String help(String command) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("--help");
        Cli.Result r = Cli.raw(args.toArray(String[]::new));
        assertThat(r.code()).as(command + " --help\n" + r).isZero();
        return r.out();
    }

    @Test
    void noPageBreaksAWordAtADotNorRunsPast80Columns() {
        SoftAssertions soft = new SoftAssertions();
        java.util.Map<String, CommandLine.Model.CommandSpec> specs = new java.util.LinkedHashMap<>();
        specs.put("", Main.commandLine().getCommandSpec());
        for (String c : commands()) {
            CommandLine cl = Main.commandLine();
            for (String w : c.split(" ")) {
                cl = cl.getSubcommands().get(w);
            }
            specs.put(c, cl.getCommandSpec());
        }
        java.util.regex.Pattern dotted =
                java.util.regex.Pattern.compile("[A-Za-z0-9_/-]*\\.[A-Za-z0-9_][A-Za-z0-9_./-]*");
        for (var e : specs.entrySet()) {
            String c = e.getKey();
            String page = c.isEmpty() ? Cli.raw("--help").out() : help(c);
            String flat = page.replaceAll("\\s+", " ");
            // every dotted word written in the command's texts (fleet.yaml, .gitignore, ...) appears whole
            List<String> texts =
                    new ArrayList<>(List.of(e.getValue().usageMessage().description()));
            e.getValue().options().forEach(o -> texts.addAll(List.of(o.description())));
            e.getValue()
                    .subcommands()
                    .values()
                    .forEach(s -> texts.addAll(
                            List.of(s.getCommandSpec().usageMessage().description())));
            for (String t : texts) {
                java.util.regex.Matcher m = dotted.matcher(t);
                while (m.find()) {
                    String word = m.group().replaceAll("[.]+$", "");
                    if (word.contains(".")) {
                        soft.assertThat(flat)
                                .as("agentctl %s --help keeps '%s' whole", c, word)
                                .contains(word);
                    }
                }
            }
            for (String line : page.split("\n")) {
                soft.assertThat(line.length())
                        .as("agentctl %s --help: %s", c, line)
                        .isLessThanOrEqualTo(100);
            }
            soft.assertThat(page).as("agentctl %s --help", c).doesNotContain("null");
        }
        soft.assertAll();
        assertThat(help("init")).contains(".gitignore");
        assertThat(help("compose").replaceAll("\\s+", " ")).contains("docker-compose.override.yml");
    }

    @Test
    void examplesKeepTheirIndentation() {
        assertThat(help("create")).contains("\nExamples:\n  agentctl create alice 18790 gpt-4o-mini --soul expert");
        assertThat(help("backup prune")).contains("\n  agentctl backup prune --dry-run\n");
    }

    @Test
    void eachPageListsOnlyTheExitCodesThatCommandReturns() {
        assertThat(codes(help("list"))).containsExactly("0", "1", "2");
        assertThat(codes(help("create")))
                .containsExactly("0", "1", "2", "3", "5"); // 3: volume storage needs the engine
        assertThat(codes(help("status"))).containsExactly("0", "1", "2", "3", "4");
        assertThat(codes(help("up"))).containsExactly("0", "1", "2", "3", "4", "5");
        assertThat(codes(help("backup"))).containsExactly("0", "1", "2", "3", "5");
        assertThat(codes(Cli.raw("--help").out())).containsExactly("0", "1", "2", "3", "4", "5");
        assertThat(Cli.raw("--help").out()).contains("maintain").contains("doctor");
    }

    private static List<String> codes(String page) {
        String section = page.substring(page.indexOf("Exit codes:"));
        List<String> out = new ArrayList<>();
        for (String l : section.split("\n")) {
            if (l.matches("\\s+\\d\\s+.*")) {
                out.add(l.strip().substring(0, 1));
            }
        }
        return out;
    }

    @Test
    void helpCommandShowsACommandsPage() {
        Cli.Result r = Cli.raw("help", "backup", "prune");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: agentctl backup prune").contains("--keep-daily");
        Cli.Result bad = Cli.raw("help", "staus");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("unknown command 'staus'").contains("did you mean status?");
    }

    @Test
    void anUnknownCommandOrOptionSuggestsTheNearestOne() {
        Cli.Result cmd = Cli.raw("staus");
        assertThat(cmd.code()).isEqualTo(2);
        assertThat(cmd.errLines()).hasSize(1);
        assertThat(cmd.err()).contains("'staus'").contains("did you mean status");
        Cli.Result opt = Cli.raw("list", "--jsno");
        assertThat(opt.code()).isEqualTo(2);
        assertThat(opt.err()).contains("'--jsno'").contains("did you mean --json");
    }

    @Test
    void buildOutputLosesItsEscapeCodesWhenNotOnAColourTerminal() {
        String line = "\u001B[1;32mStep 3/9\u001B[0m : RUN pip install \u001B[33m.\u001B[0m";
        assertThat(RuntimeCommand.plain(line, false)).isEqualTo("Step 3/9 : RUN pip install .");
        assertThat(RuntimeCommand.plain(line, true)).isEqualTo(line);
    }
}
