package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** --root, --debug and the lock options are global: before or after the command, as docker's are. */
class GlobalOptionsTest extends FleetTestBase {
    @Test
    void rootBeforeOrAfterTheCommandAndItsSubcommand() {
        assertThat(Cli.raw("--root", root.toString(), "create", "alice").code()).isZero();
        assertThat(Cli.raw("create", "bob", "--root", root.toString()).code()).isZero();
        assertThat(Cli.raw("list", "-q", "--root", root.toString()).out()).isEqualTo("alice\nbob\n");
        assertThat(Cli.raw("--root", root.toString(), "list", "-q").out()).isEqualTo("alice\nbob\n");
        // a group and its subcommand: the option may sit anywhere, and always means this root
        ok("backup", "alice", "--mode", "online");
        for (String[] args : new String[][] {
            {"--root", root.toString(), "backup", "list", "-q"},
            {"backup", "--root", root.toString(), "list", "-q"},
            {"backup", "list", "-q", "--root", root.toString()}
        }) {
            Cli.Result r = Cli.raw(args);
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
            assertThat(r.out())
                    .as(String.join(" ", args))
                    .contains(root.resolve("backups/alice").toString());
        }
    }

    @Test
    void theHintInitPrintsWorksWhenCopied() {
        Path fresh = tmp.resolve("fresh");
        Cli.Result init = Cli.raw("init", fresh.toString());
        Matcher m = Pattern.compile("agentctl (--root \\S+ create alice)").matcher(init.out());
        assertThat(m.find()).as(init.out()).isTrue();
        Cli.Result copied = Cli.raw(m.group(1).split(" "));
        assertThat(copied.code()).as(copied.toString()).isZero();
        assertThat(fresh.resolve("instances/alice/config/config.json")).exists();
        assertThat(init.out()).contains("cd " + fresh + " && agentctl create alice");
    }

    @Test
    void debugAnywhereAddsTheStackTrace() {
        Cli.Result plain = run("show", "nosuch");
        assertThat(plain.code()).isEqualTo(2);
        assertThat(plain.errLines()).hasSize(1);
        Cli.Result before = Cli.raw("--debug", "show", "nosuch", "--root", root.toString());
        Cli.Result after = Cli.raw("show", "nosuch", "--root", root.toString(), "--debug");
        for (Cli.Result r : new Cli.Result[] {before, after}) {
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("no instance 'nosuch'").contains("\tat dev.agentctl.");
        }
    }

    @Test
    void theGlobalOptionsAreListedInTheMainHelp() {
        String help = Cli.raw("--help").out();
        assertThat(help)
                .contains("--root=DIR")
                .contains("--debug")
                .contains("--wait=D")
                .contains("--no-wait");
    }

    @Test
    void agentctlRootSaysItIsWhereARootComesFromAndWhenItWinsOverTheFolderYouAreIn() {
        Path missing = tmp.resolve("nowhere");
        Cli.Result r = Cli.withEnv(Map.of("AGENTCTL_ROOT", missing.toString()), "list");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(missing.toString()).contains("given by AGENTCTL_ROOT");
        Cli.Result asked = Cli.withEnv(Map.of("AGENTCTL_ROOT", root.toString()), "list", "--root", root.toString());
        assertThat(asked.err()).as("--root wins, nothing to say").isEmpty();
    }

    @Test
    void versionIsTheRootsAlone() {
        assertThat(Cli.raw("--version").out()).startsWith("agentctl ");
        Cli.Result sub = Cli.raw("create", "alice", "-V");
        assertThat(sub.code()).isEqualTo(2);
        assertThat(sub.err()).contains("Unknown option: '-V'");
    }
}
