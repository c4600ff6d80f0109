package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.backup.BackupVerifier;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * sessions lists both layouts without following links; archive moves idle sessions into a verified archive, holding a
 * running instance, and removes only what still matches it; restore puts them back byte for byte, never over a live
 * one; bad input and hostile archives change nothing; maintain keeps the budget.
 */
class SessionsTest extends FakeFleet {
    static final String WSID = "0123456789abcdef0123456789abcdef";
    Path a;

    @BeforeEach
    void anInstanceWithSessions() throws IOException {
        engine.healthyAfter = Duration.ZERO;
        engine.startLog = List.of("✓ Channels enabled: websocket, mattermost", "✓ Health endpoint: http://x/health");
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        a = instance("a");
        session("workspace/sessions/old.jsonl", "{\"role\":\"user\",\"content\":\"old\"}\n".repeat(500), 40);
        session("config/sessions/" + WSID + "/older.jsonl", "{\"role\":\"user\",\"content\":\"x\"}\n".repeat(300), 90);
        session("config/sessions/" + WSID + "/fresh.jsonl", "{\"role\":\"user\",\"content\":\"now\"}\n", 0);
        Files.createDirectories(a.resolve("workspace/.nanobot"));
        write(a.resolve("workspace/.nanobot/workspace-id"), WSID + "\n");
    }

    /** A session file last written {@code days} ago. */
    Path session(String rel, String content, int days) throws IOException {
        Path p = a.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setLastModifiedTime(
                p, FileTime.from(Instant.now().minus(Duration.ofDays(days)).minusSeconds(60)));
        return p;
    }

    Path onlyArchive() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("backups/a/sessions"))) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".tar.zst")).toList();
            assertThat(l).hasSize(1);
            return l.get(0);
        }
    }

    @Test
    void listsBothLayoutsOldestFirstAndNeverFollowsALink() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("stolen.jsonl"), "secret\n");
        Files.createSymbolicLink(a.resolve("workspace/sessions/evil.jsonl"), outside.resolve("stolen.jsonl"));
        Files.createSymbolicLink(a.resolve("config/sessions/" + "f".repeat(32)), outside);

        JsonNode j = json(ok("sessions", "a", "--json").out());
        assertThat(j.path("count").asInt()).isEqualTo(3);
        assertThat(j.path("sessions").findValuesAsText("id")).containsExactly("older", "old", "fresh");
        assertThat(j.path("sessions").get(0).path("path").asText())
                .isEqualTo("config/sessions/" + WSID + "/older.jsonl");
        assertThat(j.path("bytes").asLong())
                .isEqualTo(Files.size(a.resolve("workspace/sessions/old.jsonl"))
                        + Files.size(a.resolve("config/sessions/" + WSID + "/older.jsonl"))
                        + Files.size(a.resolve("config/sessions/" + WSID + "/fresh.jsonl")));
        assertThat(ok("sessions", "a").out())
                .contains("3 session(s)")
                .contains("older")
                .doesNotContain("evil");
    }

    @Test
    void archiveWhileRunningThenRestoreRoundTripsByteForByte() throws Exception {
        ok("up", "a");
        byte[] old = Files.readAllBytes(a.resolve("workspace/sessions/old.jsonl"));
        byte[] older = Files.readAllBytes(a.resolve("config/sessions/" + WSID + "/older.jsonl"));
        FileTime olderTime = Files.getLastModifiedTime(a.resolve("config/sessions/" + WSID + "/older.jsonl"));
        engine.calls.clear();

        Cli.Result r = ok("sessions", "archive", "a", "--older-than", "30d");
        assertThat(r.out()).contains("a: archived 2 session(s)").contains("held");
        assertThat(a.resolve("workspace/sessions/old.jsonl")).doesNotExist();
        assertThat(a.resolve("config/sessions/" + WSID + "/older.jsonl")).doesNotExist();
        assertThat(a.resolve("config/sessions/" + WSID + "/fresh.jsonl")).exists();
        // held twice (the consistent copy, the removal), and running again
        assertThat(engine.calls.stream().filter(c -> c.startsWith("pause ")).count())
                .isEqualTo(2);
        assertThat(engine.calls.stream().filter(c -> c.startsWith("unpause ")).count())
                .isEqualTo(2);
        assertThat(engine.byName(container("a")).orElseThrow().state).isEqualTo(ContainerState.RUNNING);
        assertThat(new Holds(fleet()).all()).isEmpty();

        Path archive = onlyArchive();
        assertThat(BackupVerifier.check(archive).ok()).isTrue();
        assertThat(ok("backup", "list", "a").out()).doesNotContain("sessions"); // no backup of the instance
        Cli.Result whole = run("restore", archive.toString(), "--as", "b");
        assertThat(whole.code()).isEqualTo(2);
        assertThat(whole.err()).contains("holds sessions archived by 'agentctl sessions archive'");
        assertThat(instance("b")).doesNotExist();

        assertThat(ok("sessions", "restore", "a", archive.toString()).out())
                .contains("a: restored 2 session(s)")
                .contains("workspace/sessions");
        // an unknown runtime layout: the workspace's folder, which nanobot after 0.3.0 moves into its own
        assertThat(a.resolve("workspace/sessions/old.jsonl")).hasBinaryContent(old);
        assertThat(a.resolve("workspace/sessions/older.jsonl")).hasBinaryContent(older);
        assertThat(Files.getLastModifiedTime(a.resolve("workspace/sessions/older.jsonl")))
                .isEqualTo(FileTime.from(olderTime.toInstant().truncatedTo(java.time.temporal.ChronoUnit.MICROS)));
        assertThat(json(ok("sessions", "a", "--json").out()).path("count").asInt())
                .isEqualTo(3);

        Map<String, String> before = snapshot();
        Cli.Result again = run("sessions", "restore", "a", archive.toString(), "old");
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("session 'old'").contains("live session of that name");
        assertUnchanged(before, "a refused sessions restore");
    }

    @Test
    void restoreGoesWhereAnAgentAfter030ReadsThem() throws Exception {
        Files.writeString(
                root.resolve("runtime/venv-A/agentctl-build.json"),
                "{\"id\": \"A\", \"image\": \"" + fleetName + "-runtime:A\", \"agentVersion\": \"0.3.5\","
                        + " \"sessionLayout\": \"config\"}");
        ok("sessions", "archive", "a", "--older-than", "30d");
        ok("sessions", "restore", "a", onlyArchive().toString(), "old");
        assertThat(a.resolve("config/sessions/" + WSID + "/old.jsonl")).exists();
        assertThat(a.resolve("config/sessions/" + WSID + "/older.jsonl")).doesNotExist();
        assertThat(ok("sessions", "a").out()).contains("config/sessions/<workspace id>/");
    }

    @Test
    void aSessionWrittenAfterItWasArchivedStaysLive() throws Exception {
        ok("up", "a");
        Path old = a.resolve("workspace/sessions/old.jsonl");
        int[] pauses = {0};
        engine.onPause = () -> {
            if (++pauses[0] == 2) { // after the archive verified, before the removal
                try {
                    Files.writeString(
                            old,
                            "{\"role\":\"user\",\"content\":\"back again\"}\n",
                            java.nio.file.StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        Cli.Result r = ok("sessions", "archive", "a", "--older-than", "30d");
        assertThat(r.out())
                .contains("archived 1 session(s)")
                .contains("kept workspace/sessions/old.jsonl: it changed after it was archived");
        assertThat(old).exists();
        assertThat(read(old)).endsWith("back again\"}\n");
    }

    @Test
    void aSessionWrittenAfterItWasChosenStaysLiveThoughTheArchiveHasIt() throws Exception {
        ok("up", "a");
        Path old = a.resolve("workspace/sessions/old.jsonl");
        int[] pauses = {0};
        engine.onPause = () -> {
            if (++pauses[0] == 1) { // while the first copy is taken: the agent came back to it
                try {
                    Files.writeString(old, "{\"role\":\"user\"}\n", java.nio.file.StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        Cli.Result r = ok("sessions", "archive", "a", "--older-than", "30d");
        assertThat(r.out()).contains("archived 1 session(s)").contains("kept workspace/sessions/old.jsonl");
        assertThat(old).exists();
    }

    @Test
    void restoreTakesOnlySessionsFromAnArchiveWhateverElseItHolds() throws Exception {
        Files.createDirectories(a.resolve("workspace/memory"));
        Files.writeString(a.resolve("workspace/memory/notes.jsonl"), "{}\n");
        var meta = new dev.agentctl.backup.BackupWriter.Metadata("a", 1, "m", "A", "t", null, null);
        Path archive = new dev.agentctl.backup.BackupWriter()
                .writeSessions(
                        a,
                        root.resolve("backups"),
                        meta,
                        dev.agentctl.backup.BackupWriter.Quiescer.none(),
                        java.util.Set.of("workspace/memory/notes.jsonl", "workspace/sessions/old.jsonl"))
                .archive();
        Files.delete(a.resolve("workspace/sessions/old.jsonl"));
        Files.delete(a.resolve("workspace/memory/notes.jsonl"));
        assertThat(ok("sessions", "restore", "a", archive.toString()).out()).contains("restored 1 session(s)");
        assertThat(a.resolve("workspace/sessions/old.jsonl")).exists();
        assertThat(a.resolve("workspace/sessions/notes.jsonl")).doesNotExist();
        assertThat(a.resolve("workspace/memory/notes.jsonl")).doesNotExist();
    }

    @Test
    void badInputAndHostileArchivesChangeNothing() throws Exception {
        ok("backup", "a");
        Path backup;
        try (Stream<Path> s = Files.list(root.resolve("backups/a"))) {
            backup =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        ok("sessions", "archive", "a", "--older-than", "30d");
        Path archive = onlyArchive();
        Path flipped = tmp.resolve("flipped.tar.zst");
        Files.copy(archive, flipped);
        try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0xff);
        }
        Map<String, String> before = snapshot();
        String[][] bad = {
            {"sessions", "restore", "a", tmp.resolve("none.tar.zst").toString()},
            {"sessions", "restore", "a", backup.toString()},
            {"sessions", "restore", "a", flipped.toString()},
            {"sessions", "restore", "a", archive.toString(), "nosuch"},
            {"sessions", "restore", "a", archive.toString(), "../../etc/passwd"},
            {"sessions", "archive", "a"},
            {"sessions", "archive", "a", "--older-than", "banana"},
            {"sessions", "archive", "a", "--all", "--older-than", "1d"},
            {"sessions", "nosuch"},
            {"sessions", "BAD NAME"},
            {"sessions"},
        };
        for (String[] args : bad) {
            Cli.Result r = run(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
        }
        assertThat(run("sessions", "restore", "a", backup.toString()).err()).contains("backup of an instance");
        assertThat(run("sessions", "restore", "a", archive.toString(), "nosuch").err())
                .contains("no session 'nosuch'")
                .contains("it holds: ");
        assertUnchanged(before, "refused sessions commands");
    }

    @Test
    void maintainKeepsTheBudgetWithTheOldestSessionsAndWarnsWhenItCannot() throws Exception {
        long live = dev.agentctl.fleet.SessionFiles.usage(a);
        long older = Files.size(a.resolve("config/sessions/" + WSID + "/older.jsonl"));
        Path yaml = root.resolve("fleet.yaml");
        // room for everything but the oldest session
        write(yaml, read(yaml) + "\nsessions:\n  budget: " + (live - older) + "\n");
        Cli.Result r = run("maintain");
        assertThat(r.out()).as(r.toString()).contains("archived 1 session(s)");
        assertThat(a.resolve("config/sessions/" + WSID + "/older.jsonl")).doesNotExist();
        assertThat(a.resolve("workspace/sessions/old.jsonl")).exists();

        // a budget of its own, in instance.yaml, wins over the fleet's
        assertThat(run("set", "a", "--sessions-budget", "banana").code()).isEqualTo(2);
        ok("set", "a", "--sessions-budget", "1k");
        assertThat(read(a.resolve("instance.yaml"))).contains("sessions:\n  budget: \"1k\"");
        Cli.Result tight = run("maintain");
        assertThat(tight.out()).contains("archived 1 session(s)").contains("over its sessions.budget of 1024");
        assertThat(a.resolve("workspace/sessions/old.jsonl")).doesNotExist();
        assertThat(a.resolve("config/sessions/" + WSID + "/fresh.jsonl")).exists(); // active within the hour

        // sessions made to look old do not fill the disk the backups need
        session("workspace/sessions/again.jsonl", "{}\n".repeat(1000), 40);
        write(yaml, read(yaml) + "maintain:\n  disk:\n    warn: 1\n    critical: 100\n");
        Cli.Result full = run("maintain");
        assertThat(full.out()).contains("not archiving sessions: the backups' disk is");
        assertThat(a.resolve("workspace/sessions/again.jsonl")).exists();
    }
}
