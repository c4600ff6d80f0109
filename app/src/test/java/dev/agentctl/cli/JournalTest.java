package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import org.junit.jupiter.api.Test;

/** The operations journal: commands that changed the fleet, never a secret; refused ones are not there. */
class JournalTest extends FleetTestBase {
    @Test
    void changesAreJournaledWithoutTheirSecretsAndRefusalsAreNot() {
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-very-secret");
        ok("set", "alice", "--model", "gpt-4.1", "--env=TELEGRAM_TOKEN=123:also-secret");
        Cli.Result bad = run("set", "alice", "--port", "80");
        assertThat(bad.code()).isEqualTo(2);
        ok("create", "bob");
        String journal = read(root.resolve(".agentctl/journal.jsonl"));
        assertThat(journal.lines()).hasSize(3);
        assertThat(journal)
                .doesNotContain("sk-very-secret")
                .doesNotContain("also-secret")
                .contains("OPENAI_API_KEY=***")
                .contains("--env=TELEGRAM_TOKEN=***")
                .doesNotContain("\"80\"");

        Cli.Result all = ok("history");
        assertThat(all.out().lines()).hasSize(3);
        assertThat(all.out())
                .contains("agentctl create")
                .contains(" alice --env OPENAI_API_KEY=***")
                .contains("-> 0");
        Cli.Result alice = ok("history", "alice", "--since", "1h");
        assertThat(alice.out().lines()).hasSize(2);
        assertThat(ok("history", "--json").out().lines().findFirst().orElseThrow())
                .startsWith("{\"time\":");
    }

    @Test
    void scheduleInstallWritesACronEntryAndRemoveTakesItAway() {
        String dir = tmp.resolve("cron.d").toString();
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("AGENTCTL_SCHEDULE_DIR", dir);
        env.put("AGENTCTL_LAUNCHER", "/opt/agentctl/bin/agentctl");
        Cli.Result r = Cli.withEnv(env, "schedule", "install", "--every", "15m", "--root", root.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        java.nio.file.Path entry;
        try (var s = java.nio.file.Files.list(tmp.resolve("cron.d"))) {
            entry = s.findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(entry.getFileName().toString())
                .startsWith("agentctl-maintain-")
                .doesNotContain(".");
        assertThat(read(entry))
                .contains("*/15 * * * * root /opt/agentctl/bin/agentctl --root " + root + " maintain --log");
        assertThat(mode(entry)).isEqualTo("rw-r--r--");
        Cli.Result odd = Cli.withEnv(env, "schedule", "install", "--every", "7m", "--root", root.toString());
        assertThat(odd.code()).isEqualTo(2);
        assertThat(odd.err()).contains("--every");
        assertThat(Cli.withEnv(env, "schedule", "remove", "--root", root.toString())
                        .code())
                .isZero();
        assertThat(tmp.resolve("cron.d")).isEmptyDirectory();
    }

    @Test
    void aRootThatCronOrSystemdWouldMisreadIsRefusedAndASpaceIsQuoted() throws java.io.IOException {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        env.put("AGENTCTL_SCHEDULE_DIR", tmp.resolve("units").toString());
        env.put("AGENTCTL_LAUNCHER", "/opt/agentctl/bin/agentctl");
        java.nio.file.Path odd = tmp.resolve("50%fleet");
        assertThat(Cli.raw("init", odd.toString()).code()).isZero();
        Cli.Result r = Cli.withEnv(env, "schedule", "install", "--root", odd.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("50%fleet").contains("control character or %");
        assertThat(tmp.resolve("units")).doesNotExist();

        java.nio.file.Path spaced = tmp.resolve("my fleet");
        assertThat(Cli.raw("init", spaced.toString()).code()).isZero();
        assertThat(Cli.withEnv(env, "schedule", "install", "--systemd", "--root", spaced.toString())
                        .code())
                .isZero();
        String service;
        try (var s = java.nio.file.Files.list(tmp.resolve("units"))) {
            service = read(
                    s.filter(p -> p.toString().endsWith(".service")).findFirst().orElseThrow());
        }
        assertThat(service)
                .contains("ExecStart=\"/opt/agentctl/bin/agentctl\" --root \"" + spaced + "\" maintain --log");
        Cli.Result cron = Cli.withEnv(env, "schedule", "install", "--root", spaced.toString());
        assertThat(cron.code()).isZero();
        String entry;
        try (var s = java.nio.file.Files.list(tmp.resolve("units"))) {
            entry = read(s.filter(p -> p.getFileName().toString().startsWith("agentctl-maintain-")
                            && !p.toString().contains("."))
                    .findFirst()
                    .orElseThrow());
        }
        assertThat(entry).contains("root /opt/agentctl/bin/agentctl --root '" + spaced + "' maintain --log");
    }
}
