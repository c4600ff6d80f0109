package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.backup.BackupWriter;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.FakeEngine;
import dev.agentctl.io.Compression;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What restore checks on the staged archive before it stops, moves or creates anything: an archive whose checksums
 * match but that is no usable instance, a port another instance (even a stopped one) has, and modes an archive
 * relaxed.
 */
class RestoreChecksTest extends FakeFleet {
    int alicePort;

    @BeforeEach
    void aliceRunsAndBobIsStopped() throws IOException {
        engine.healthyAfter = java.time.Duration.ZERO;
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "bob", "--env", "OPENAI_API_KEY=sk-b");
        ok("up", "alice");
        alicePort = new ObjectMapper()
                .readTree(root.resolve("instances/alice/config/config.json").toFile())
                .path("gateway")
                .path("port")
                .asInt();
    }

    FakeEngine.Box alice() {
        return engine.byName(container("alice")).orElseThrow();
    }

    /**
     * A well-formed archive (its manifest and checksums match) of a copy of {@code instance} changed by
     * {@code change}: what a hostile or broken archive handed to restore looks like.
     */
    Path archiveOf(String instance, Consumer<Path> change) throws IOException {
        Path copy = tmp.resolve("made/" + instance);
        Files.createDirectories(copy.getParent());
        try (Stream<Path> s = Files.walk(root.resolve("instances/" + instance))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = copy.resolve(
                        root.resolve("instances/" + instance).relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(t);
                else Files.copy(p, t, LinkOption.NOFOLLOW_LINKS);
            }
        }
        change.accept(copy);
        return new BackupWriter(Clock.systemUTC(), Compression.ZSTD)
                .write(
                        copy,
                        tmp.resolve("made-backups"),
                        new BackupWriter.Metadata(instance, alicePort, "gpt-4o-mini", null, "test", null, null),
                        BackupWriter.Quiescer.none())
                .archive();
    }

    static void unchecked(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    interface IoAction {
        void run() throws IOException;
    }

    @Test
    void forceWithAnArchiveThatHoldsNoConfigJsonStopsNothingChangesNothingAndBlocksNobody() throws IOException {
        Path archive = archiveOf("alice", dir -> unchecked(() -> Files.delete(dir.resolve("config/config.json"))));
        Map<String, String> before = snapshot();
        engine.calls.clear();

        Cli.Result r = run("restore", archive.toString(), "--force");

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .contains("refusing to restore")
                .contains("config.json")
                .contains("nothing was changed");
        assertThat(engine.changesTo(container("alice"))).isEmpty();
        assertThat(alice().state).isEqualTo(ContainerState.RUNNING);
        assertUnchanged(before, "a refused restore --force");
        // nothing stranded: the other commands still work on the fleet
        ok("create", "carol");
        ok("set", "bob", "--model", "gpt-4o");
    }

    @Test
    void forceWithAnArchiveWhoseInstanceYamlIsBrokenIsRefusedTheSameWay() throws IOException {
        Path archive = archiveOf(
                "alice", dir -> unchecked(() -> Files.writeString(dir.resolve("instance.yaml"), "port: [unclosed\n")));
        Map<String, String> before = snapshot();
        engine.calls.clear();

        Cli.Result r = run("restore", archive.toString(), "--force");

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("instance.yaml").contains("nothing was changed");
        assertThat(engine.changesTo(container("alice"))).isEmpty();
        assertUnchanged(before, "a refused restore --force");
    }

    @Test
    void aCopyMadeWithRestoreAsStartsWithItsChannelsOffAndKeepingThemIsRefusedForTheSharedToken() throws IOException {
        ok("channel", "enable", "alice", "telegram", "--env", "TELEGRAM_TOKEN=123:alice");
        ok("backup", "alice", "--mode", "online");
        Path archive;
        try (Stream<Path> s = Files.list(root.resolve("backups/alice"))) {
            archive =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }

        Cli.Result keep = run("restore", archive.toString(), "--as", "erin", "--keep-channels");
        assertThat(keep.code()).as(keep.toString()).isEqualTo(2);
        assertThat(keep.err())
                .contains("erin")
                .contains("alice")
                .contains("telegram")
                .doesNotContain("123:alice");
        assertThat(root.resolve("instances/erin")).doesNotExist();

        Cli.Result inPlace = run("restore", archive.toString(), "--keep-channels");
        assertThat(inPlace.code()).isEqualTo(2);
        assertThat(inPlace.err()).contains("--keep-channels goes with --as");

        Cli.Result copy = ok("restore", archive.toString(), "--as", "dave");
        assertThat(copy.err()).contains("channels telegram are off for dave");
        var tg = new ObjectMapper()
                .readTree(root.resolve("instances/dave/config/config.json").toFile())
                .path("channels")
                .path("telegram");
        assertThat(tg.path("enabled").asBoolean()).isFalse();
        ok("channel", "enable", "dave", "telegram", "--env", "TELEGRAM_TOKEN=456:dave");
    }

    @Test
    void restoreAsNeverTakesThePortOfAStoppedInstance() throws IOException {
        int bobPort = new ObjectMapper()
                .readTree(root.resolve("instances/bob/config/config.json").toFile())
                .path("gateway")
                .path("port")
                .asInt();
        ok("backup", "bob");
        Path archive;
        try (Stream<Path> s = Files.list(root.resolve("backups/bob"))) {
            archive =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }

        Cli.Result r = ok("restore", archive.toString(), "--as", "dave");

        int davePort = new ObjectMapper()
                .readTree(root.resolve("instances/dave/config/config.json").toFile())
                .path("gateway")
                .path("port")
                .asInt();
        assertThat(davePort).isNotIn(bobPort, alicePort);
        assertThat(r.out() + r.err()).contains("port " + bobPort + " is taken (by bob)");
        assertThat(ok("list").out()).contains(Integer.toString(davePort));
    }

    @Test
    void modesAnArchiveRelaxedAreTightenedWithAWarningEach() throws IOException {
        Path archive = archiveOf(
                "alice",
                dir -> unchecked(() -> {
                    Files.setPosixFilePermissions(
                            dir.resolve("workspace"), PosixFilePermissions.fromString("rwxrwxrwx"));
                    Files.setPosixFilePermissions(dir.resolve("config"), PosixFilePermissions.fromString("rwxr-xr-x"));
                    Files.setPosixFilePermissions(dir.resolve(".env"), PosixFilePermissions.fromString("rw-r--r--"));
                }));

        Cli.Result r = ok("restore", archive.toString(), "--as", "erin");

        Path erin = root.resolve("instances/erin");
        assertThat(mode(erin)).isEqualTo("rwx------");
        assertThat(mode(erin.resolve("workspace"))).isEqualTo("rwx------");
        assertThat(mode(erin.resolve("config"))).isEqualTo("rwx------");
        assertThat(mode(erin.resolve(".env"))).isEqualTo("rw-------");
        String said = r.out() + r.err();
        assertThat(said)
                .contains("the archive had workspace/ as rwxrwxrwx; restored as rwx------")
                .contains("the archive had config/ as rwxr-xr-x; restored as rwx------")
                .contains("the archive had .env as rw-r--r--; restored as rw-------");
    }

    @Test
    void anArchiveWithALinkWhereConfigShouldBeIsRefused() throws IOException {
        Path archive = archiveOf(
                "alice",
                dir -> unchecked(() -> {
                    try (Stream<Path> s = Files.walk(dir.resolve("config"))) {
                        s.sorted(Comparator.reverseOrder()).forEach(p -> unchecked(() -> Files.delete(p)));
                    }
                    Files.createSymbolicLink(dir.resolve("config"), Path.of("/etc"));
                }));
        Map<String, String> before = snapshot();

        Cli.Result r = run("restore", archive.toString(), "--as", "frank");

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("refusing to restore").contains("nothing was changed");
        assertUnchanged(before, "a refused restore --as");
    }

    @Test
    void limitsAreCheckedAgainstWhatTheArchiveDeclaresBeforeAnythingIsWrittenAndCanBeRaised() throws IOException {
        Path archive = archiveOf("alice", dir -> {});
        Map<String, String> before = snapshot();

        Cli.Result few = run("restore", archive.toString(), "--as", "gina", "--max-entries", "3");
        assertThat(few.code()).as(few.toString()).isEqualTo(2);
        assertThat(few.err()).contains("more than the 3 allowed (raise it with --max-entries)");
        Cli.Result small = run("restore", archive.toString(), "--as", "gina", "--max-bytes", "1k");
        assertThat(small.code()).as(small.toString()).isEqualTo(2);
        assertThat(small.err()).contains("more than the 1024 allowed (raise it with --max-bytes)");
        Cli.Result bad = run("restore", archive.toString(), "--as", "gina", "--max-bytes", "lots");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("invalid --max-bytes 'lots'");
        assertUnchanged(before, "refused restores");

        ok("restore", archive.toString(), "--as", "gina", "--max-entries", "1000", "--max-bytes", "1g");
        assertThat(root.resolve("instances/gina/config/config.json")).exists();
    }
}
