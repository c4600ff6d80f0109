package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What a user meets first: --version, --help with examples, completion scripts, exit codes in the help. */
class CliSurfaceTest {

    @Test
    void version() {
        Cli.Result r = Cli.raw("--version");
        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("agentctl \\d+\\.\\d+\\.\\d+");
    }

    @Test
    void topLevelHelpListsCommandsExitCodesAndExamples() {
        Cli.Result r = Cli.raw("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Examples").contains("Exit codes");
        for (String cmd : new String[] {"init", "create", "list", "show", "set", "rm", "compose", "completion"}) {
            assertThat(r.out()).contains(cmd);
        }
        for (String code : new String[] {" 0", " 1", " 2", " 3", " 4", " 5"}) {
            assertThat(r.out()).contains(code);
        }
    }

    @Test
    void everyCommandsHelpHasAnExamplesSection() {
        Map<String, CommandLine> subs = Main.commandLine().getSubcommands();
        Set<String> names = new TreeSet<>(subs.keySet());
        assertThat(names).contains("init", "create", "list", "show", "set", "rm", "compose", "completion");
        // one report listing every command that falls short, not just the first
        SoftAssertions soft = new SoftAssertions();
        for (String name : names) {
            if (name.startsWith("__")) {
                continue; // hidden: the completion script's own
            }
            Cli.Result r = Cli.raw(name, "--help");
            soft.assertThat(r.code())
                    .as("exit code of agentctl %s --help%n%s", name, r)
                    .isZero();
            soft.assertThat(r.out())
                    .as("agentctl %s --help", name)
                    .contains("Examples:")
                    .contains("agentctl ");
        }
        soft.assertAll();
    }

    @Test
    void completionBash() {
        Cli.Result r = Cli.raw("completion", "bash");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("complete").contains("agentctl").contains("create");
    }

    @Test
    void completionZsh() {
        Cli.Result r = Cli.raw("completion", "zsh");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("compinit").contains("agentctl").contains("create");
    }

    @Test
    void completionForAnUnknownShellIsBadInput() {
        Cli.Result r = Cli.raw("completion", "fish");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("fish");
    }

    @Test
    void unknownCommandIsBadInput() {
        Cli.Result r = Cli.raw("frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("frobnicate");
    }

    @Test
    void noFleetRootSaysHowToMakeOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path empty) {
        Cli.Result r = Cli.at(empty, "list");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("agentctl init");
    }
}
