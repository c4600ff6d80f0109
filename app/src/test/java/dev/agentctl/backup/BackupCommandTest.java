package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** backup, verify --all and prune through the CLI, online (no engine needed). */
class BackupCommandTest extends FleetTestBase {

    @BeforeEach
    void twoInstances() {
        int a = freePort();
        ok("create", "alice", Integer.toString(a));
        ok("create", "bob", Integer.toString(freePort(a)));
    }

    /** {@code agentctl backup SUB ARGS... --root ROOT}: a subcommand takes --root after its own name. */
    private Cli.Result sub(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("backup"));
        all.addAll(List.of(args));
        all.addAll(List.of("--root", root.toString()));
        return Cli.raw(all.toArray(String[]::new));
    }

    private List<Path> archives(String instance) throws IOException {
        Path dir = root.resolve("backups").resolve(instance);
        return Fixtures.names(dir).stream()
                .filter(n -> n.endsWith(".tar.zst") || n.endsWith(".tar.gz"))
                .map(dir::resolve)
                .toList();
    }

    @Test
    void anUnreadableInstanceIsBackedUpAnywayNamedOnStderrAndTheRunExits1() throws IOException {
        Path config = instance("alice").resolve("config/config.json");
        write(config, "{ not json");

        Cli.Result r = run("backup", "--mode", "online");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines())
                .as(r.toString())
                .singleElement()
                .asString()
                .contains("warning: instance alice is unreadable")
                .contains(config.toString())
                .contains("invalid JSON");
        assertThat(r.out())
                .containsPattern("(?m)^alice: .*alice-\\d{8}T\\d{6}Z\\.tar\\.zst")
                .containsPattern("(?m)^bob: .*bob-\\d{8}T\\d{6}Z\\.tar\\.zst");
        Path alice = archives("alice").get(0);
        BackupVerifier.Result v = BackupVerifier.check(alice);
        assertThat(v.problems()).isEmpty();
        assertThat(v.manifest().port()).as("unknown for an unreadable instance").isNull();
        assertThat(v.manifest().files()).anyMatch(f -> f.path().equals("config/config.json"));
        assertThat(archives("bob")).hasSize(1);

        Cli.Result named = run(
                "backup",
                "alice",
                "--mode",
                "online",
                "--to",
                tmp.resolve("elsewhere").toString());
        assertThat(named.code()).as(named.toString()).isEqualTo(1);
        assertThat(named.err()).contains("instance alice is unreadable");
        assertThat(tmp.resolve("elsewhere/alice")).isNotEmptyDirectory();

        Cli.Result missing = run("backup", "carol", "--mode", "online");
        assertThat(missing.code()).as(missing.toString()).isEqualTo(2);
        assertThat(missing.err()).contains("no instance 'carol'");
    }

    @Test
    void verifyAllReportsArchivesWithoutAReadableManifestAndExits1() throws IOException {
        ok("backup", "--mode", "online");
        Path garbage = Files.writeString(root.resolve("backups/alice/alice-20200101T000000Z.tar.gz"), "garbage");
        Files.writeString(root.resolve("backups/bob/.bob-20200101T000000Z.tar.gz.partial"), "half");

        Cli.Result r = sub("verify", "--all");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).as(r.toString()).singleElement().asString().startsWith("BAD   " + garbage + ": ");
        assertThat(r.out().lines().filter(l -> l.startsWith("ok    "))).hasSize(2);
    }

    @Test
    void pruneKeepsTheNewestVerifiedBackupAndExits1WhenTheNewestIsCorrupt() throws Exception {
        ok("backup", "alice", "--mode", "online");
        Thread.sleep(1100);
        ok("backup", "alice", "--mode", "online");
        List<Path> two = archives("alice");
        byte[] bytes = Files.readAllBytes(two.get(1));
        bytes[bytes.length / 2] ^= (byte) 0xff; // same size: still listed from its sidecar
        Files.write(two.get(1), bytes);

        Cli.Result r = sub("prune", "--keep-last", "1");

        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.out())
                .contains("keep    " + two.get(0).getFileName() + "  (newest verified backup)")
                .contains("Removed 0 backup(s)");
        assertThat(r.err()).contains(two.get(1) + " does not verify");
        assertThat(archives("alice")).isEqualTo(two);
    }
}
