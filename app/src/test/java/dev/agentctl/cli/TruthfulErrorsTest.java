package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.fleet.HostLimits;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each message says what is true and points the right way; each refusal is exit 2 and changes nothing. */
class TruthfulErrorsTest extends FakeFleet {
    private Cli.Result refused(String expected, String... args) {
        Map<String, String> before = snapshot();
        Cli.Result r = run(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(2);
        assertThat(r.errLines()).as(String.join(" ", args)).hasSize(1);
        assertThat(r.err()).contains(expected);
        assertUnchanged(before, String.join(" ", args));
        return r;
    }

    @Test
    void anEmptyEnvValueRemovesTheKeyAndUnsetDoesToo() {
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-1", "--env", "TELEGRAM_TOKEN=t-1", "--env", "SLACK=x");
        ok("set", "alice", "--env", "TELEGRAM_TOKEN=");
        ok("set", "alice", "--unset", "SLACK");
        String env = read(instance("alice").resolve(".env"));
        assertThat(env)
                .contains("OPENAI_API_KEY='sk-1'")
                .doesNotContain("TELEGRAM_TOKEN")
                .doesNotContain("SLACK");
    }

    @Test
    void aKeyAloneTakesItsValueFromTheEnvironmentAndNeverFromArgv() {
        Cli.Result r = Cli.withEnv(
                Map.of("OPENAI_API_KEY", " sk-with spaces $HOME #x "),
                "create",
                "alice",
                "--env",
                "OPENAI_API_KEY",
                "--root",
                root.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(read(instance("alice").resolve(".env"))).contains("OPENAI_API_KEY=' sk-with spaces $HOME #x '");
        Cli.Result missing = run("set", "alice", "--env", "NOT_THERE");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("NOT_THERE is not set in agentctl's environment");
    }

    @Test
    void anEnvFileIsReadAsTheEnvFileFormat() throws Exception {
        Path f = tmp.resolve("alice.env");
        Files.writeString(f, "# comment\nOPENAI_API_KEY='sk-from-file'\nexport TELEGRAM_TOKEN=123:abc\n");
        ok("create", "alice", "--env-file", f.toString());
        assertThat(read(instance("alice").resolve(".env")))
                .contains("OPENAI_API_KEY='sk-from-file'")
                .contains("TELEGRAM_TOKEN='123:abc'");
    }

    @Test
    void aSecretComposeCannotCarryIsRefusedWithoutShowingIt() {
        refused("holds a single quote, a backslash, a line break or ${", "create", "alice", "--env", "K=it's");
        Cli.Result r = run("create", "alice", "--env", "K=back\\slash");
        assertThat(r.err()).doesNotContain("back\\slash");
    }

    @Test
    void anUnknownProviderIsRefusedNamingNanobotsList() {
        Cli.Result r = refused("unknown provider 'openia'", "create", "alice", "--provider", "openia");
        assertThat(r.err()).contains("anthropic").contains("openrouter");
    }

    @Test
    void limitsAboveWhatThisHostHasAreRefusedNamingTheHost() {
        int cpus = HostLimits.cpus();
        refused("this host has " + cpus + " CPU", "create", "alice", "--cpus", Integer.toString(cpus + 1));
        refused("of memory", "create", "alice", "--memory", "100t");
        refused("too large", "create", "alice", "--memory", "99999999999999999g");
        ok("create", "alice");
        refused("this host has " + cpus + " CPU", "set", "alice", "--cpus", Integer.toString(cpus * 4));
    }

    @Test
    void timeoutsTakeOneSyntaxAndABadOneNamesTheOption() {
        engine.healthyAfter = Duration.ZERO;
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk");
        ok("up");
        refused("invalid --timeout '-5'", "stop", "alice", "--timeout", "-5");
        refused("invalid --timeout 'soon'", "restart", "-t", "soon");
        refused("invalid --wait-timeout 'x'", "up", "--wait-timeout", "x");
        assertThat(ok("stop", "alice", "-t", "90s").out()).contains("alice: stopped");
        assertThat(ok("restart", "alice", "-t", "5").out()).contains("alice: restarted");
    }

    @Test
    void errorsPointTheRightWay() {
        ok("create", "alice");
        refused("no instance 'nosuch' and no backups of one", "backup", "list", "nosuch");
        refused("no instance 'nosuch' and no backups of one", "backup", "prune", "nosuch");
        refused("Missing required parameter: 'CMD'", "exec", "alice");
        refused("no instance 'show'", "config", "show");
        Cli.Result listed = ok("backup", "list", "alice");
        assertThat(listed.out()).contains("No backups of alice");
    }

    @Test
    void backupsOfARemovedInstanceStayListable() {
        ok("create", "bob");
        ok("backup", "bob", "--mode", "online");
        engine.healthyAfter = Duration.ZERO;
        ok("rm", "bob", "--yes");
        Cli.Result r = ok("backup", "list", "bob", "-q");
        assertThat(r.out().lines().count()).as(r.out()).isEqualTo(2);
    }

    @Test
    void verifyNeverPrintsNull() throws Exception {
        ok("create", "alice");
        ok("backup", "alice", "--mode", "online");
        Path archive;
        try (var s = Files.list(root.resolve("backups/alice"))) {
            archive =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        Files.write(archive, new byte[] {1, 2, 3});
        Cli.Result r = run("backup", "verify", archive.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("BAD").doesNotContain("null");
    }

    @Test
    void theTrashListsRestoresAndEmpties() {
        ok("create", "bob");
        int bobPort = json(ok("show", "bob", "--json").out()).path("port").asInt();
        ok("rm", "bob", "--yes", "--no-backup");
        Cli.Result list = ok("trash", "list");
        assertThat(list.out()).contains("bob");
        assertThat(ok("trash", "list", "--json").out()).contains("\"instance\" : \"bob\"");
        // meanwhile another instance took bob's port: he comes back on a free one
        ok("create", "carol", Integer.toString(bobPort));
        Cli.Result back = ok("trash", "restore", "bob");
        assertThat(back.out()).contains("its old port is taken now");
        assertThat(json(ok("show", "bob", "--json").out()).path("port").asInt()).isNotEqualTo(bobPort);
        refused("no instance 'dave' in the trash", "trash", "restore", "dave");
        ok("rm", "bob", "--yes", "--no-backup");
        refused("without --yes", "trash", "empty");
        assertThat(ok("trash", "empty", "--yes").out()).contains("Deleted 1");
        assertThat(ok("trash", "list").out()).contains("The trash is empty.");
    }
}
