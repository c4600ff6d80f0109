package dev.agentctl.it;

import static dev.agentctl.it.FleetRun.awaitHealthy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import dev.agentctl.support.TreeSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * backup, backup list/verify/prune, restore, migrate and rm's final backup through the CLI against the real
 * engine, on one fleet with the stand-in agent (which appends to workspace/memory/history.jsonl every second, so
 * a running instance is a live writer). Each test uses instances of its own; the order only matters where a test
 * says so (restore uses live's backups, made by the tests before it).
 */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupRestoreIT {
    static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);
    static final String HISTORY = "workspace/memory/history.jsonl";
    static EngineFleet fleet;

    @BeforeAll
    static void fleet() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itbak", "live", "idle");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    // ---------------------------------------------------------------------------------------------- consistency

    @Test
    @Order(1)
    void pauseModeBacksUpALiveWriterAndLeavesItRunning() throws IOException {
        fleet.expect(0, "up", "live", "idle");
        Path history = instance("live").resolve(HISTORY);
        FleetRun.await(
                "live writing its history",
                Duration.ofSeconds(20),
                () -> lines(history) >= 2 ? null : lines(history) + " lines");

        Cli.Result b = fleet.expect(0, "backup", "live");
        assertThat(b.out())
                .as(b.toString())
                .containsPattern("live: .*live-\\d{8}T\\d{6}Z\\.tar\\.zst .*pause held the container for \\d+ ms");
        assertThat(b.err()).isBlank();

        List<Path> archives = archives(backups("live"));
        assertThat(archives).hasSize(1);
        Path archive = archives.get(0);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)))
                .as("archive mode")
                .isEqualTo("rw-------");
        Cli.Result v = fleet.expect(0, "backup", "verify", archive.toString());
        assertThat(v.out()).startsWith("ok");

        // the instance is running again (not left paused) and healthy
        assertThat(fleet.inspect("live", "{{.State.Status}} {{.State.Paused}}")).isEqualTo("running false");
        awaitHealthy(fleet, "live", HEALTHY_WITHIN);

        // the archive holds the live history, and the agent keeps writing after the backup
        String archived = new String(entries(archive).get("instance/" + HISTORY), StandardCharsets.UTF_8);
        long archivedLines = archived.lines().count();
        assertThat(archivedLines).as("heartbeat lines in the archived history").isGreaterThanOrEqualTo(2);
        assertThat(archived.lines()).allMatch(l -> l.startsWith("{") && l.endsWith("}"), "whole JSON lines only");
        FleetRun.await(
                "live writing after the backup",
                Duration.ofSeconds(10),
                () -> lines(history) > archivedLines ? null : lines(history) + " lines");

        // list shows it, from the manifest
        JsonNode list = json(fleet.expect(0, "backup", "list", "live", "--json").out());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).path("instance").asText()).isEqualTo("live");
        assertThat(list.get(0).path("path").asText()).isEqualTo(archive.toString());
    }

    /**
     * A writer that never stops: each round appends its number to z/lines, then writes it to a/counter (through a
     * rename). Paused at any instant, counter is the last line or the one before. A first pass that is not followed
     * by a second one while paused would hold a counter and lines from different moments: the folder is copied in
     * name order, and the 64 MiB of m/ between them take far longer than a round.
     */
    @Test
    @Order(1)
    void theTwoPassBackupOfAWriterThatNeverStopsHoldsOneMomentOfIt() throws IOException {
        fleet.create("busy");
        Path data = noise("busy", "workspace/m", 64 << 20);
        fleet.expect(0, "up", "busy");
        String loop = "cd " + dev.agentctl.fleet.Layout.WORKSPACE_DIR + " && mkdir -p a z && i=0;"
                + " while :; do i=$((i+1)); echo $i >> z/lines; echo $i > a/counter.tmp; mv a/counter.tmp a/counter;"
                + " done";
        EngineFleet.Sh.Result start =
                EngineFleet.Sh.run("docker", "exec", "-d", "-u", "1000", fleet.container("busy"), "sh", "-c", loop);
        assertThat(start.code()).as(start.err()).isZero();
        Path lines = instance("busy").resolve("workspace/z/lines");
        FleetRun.await(
                "the writer writing",
                Duration.ofSeconds(20),
                () -> lines(lines) >= 200 ? null : lines(lines) + " lines");

        Cli.Result b = fleet.expect(0, "backup", "busy");
        assertThat(b.out()).as(b.toString()).containsPattern("pause held the container for \\d+ ms");
        Map<String, byte[]> archived = entries(archives(backups("busy")).get(0));
        List<String> got = new String(archived.get("instance/workspace/z/lines"), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertThat(got).as("whole lines, in order").hasSizeGreaterThan(200);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).as("line " + (i + 1)).isEqualTo(String.valueOf(i + 1));
        }
        long counter = Long.parseLong(
                new String(archived.get("instance/workspace/a/counter"), StandardCharsets.UTF_8).strip());
        assertThat(counter)
                .as("counter beside " + got.size() + " lines: the same moment")
                .isBetween((long) got.size() - 1, (long) got.size());
        assertThat(archived.get("instance/workspace/m/noise.bin"))
                .as("the big file, unchanged")
                .isEqualTo(Files.readAllBytes(data.resolve("noise.bin")));
        // the writer was only paused: it goes on
        FleetRun.await(
                "the writer going on after the backup",
                Duration.ofSeconds(10),
                () -> lines(lines) > got.size() + 100 ? null : lines(lines) + " lines");
        fleet.expect(0, "down", "busy");
    }

    @Test
    @Order(2)
    void stopModeStartsOnlyWhatItStopped() {
        fleet.expect(0, "stop", "idle");
        assertThat(fleet.inspect("idle", "{{.State.Status}}")).isEqualTo("exited");
        String liveId = FleetRun.id(fleet, "live");

        Cli.Result b = fleet.expect(0, "backup", "live", "idle", "--mode", "stop");
        assertThat(b.out())
                .containsPattern("live: .*stop held the container for \\d+ ms")
                .containsPattern("(?m)^idle: .*\\.tar\\.zst .*not running, nothing held\\)$");

        assertThat(fleet.inspect("live", "{{.State.Status}}"))
                .as("live after a stop-mode backup")
                .isEqualTo("running");
        assertThat(FleetRun.id(fleet, "live"))
                .as("started again, not recreated")
                .isEqualTo(liveId);
        assertThat(fleet.inspect("idle", "{{.State.Status}}"))
                .as("idle was stopped before; it stays stopped")
                .isEqualTo("exited");
        awaitHealthy(fleet, "live", HEALTHY_WITHIN);
        assertThat(archives(backups("idle"))).hasSize(1);
        fleet.expect(0, "backup", "verify", "--all");
    }

    // ---------------------------------------------------------------------------------------------- atomicity

    @Test
    @Order(3)
    void aBackupKilledHalfWayLeavesNoVisibleArchiveAndTheNextRunCleansUp() throws Exception {
        fleet.create("big");
        Path data = noise("big", "workspace/data", 200 << 20);

        Path jar = EngineFleet.repo().resolve("app/target/agentctl.jar");
        assertThat(jar).as("the built jar (mvn package runs before failsafe)").isRegularFile();
        Path log = fleet.root.getParent().resolve("killed-backup.log");
        // gzip, not the default zstd: zstd reads 200 MiB of noise in well under a second, too quick to catch
        Path yaml = fleet.root.resolve("fleet.yaml");
        String settings = Files.readString(yaml);
        assertThat(settings).doesNotContain("backups:");
        Files.writeString(yaml, settings + "backups:\n  compression: gzip\n");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-jar",
                        jar.toString(),
                        "backup",
                        "big",
                        "--mode",
                        "online",
                        "--root",
                        fleet.root.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Path dir = backups("big");
        try {
            FleetRun.await("a partial archive over 8 MB in " + dir, Duration.ofSeconds(60), () -> {
                if (!p.isAlive()) {
                    return "the backup ended before it could be killed (exit " + p.exitValue() + "): " + read(log);
                }
                return partials(dir).stream().anyMatch(f -> size(f) > (8 << 20))
                        ? null
                        : partials(dir).toString();
            });
            assertThat(p.isAlive()).as("still writing when killed").isTrue();
        } finally {
            p.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no cleanup
            p.waitFor(20, TimeUnit.SECONDS);
            Files.writeString(yaml, settings);
        }
        assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);

        assertThat(partials(dir))
                .as("the killed run's partial file is left (hidden)")
                .isNotEmpty();
        assertThat(archives(dir)).as("visible archives after the kill").isEmpty();
        Cli.Result list = fleet.expect(0, "backup", "list", "big");
        assertThat(list.out()).contains("No backups");
        assertThat(fleet.expect(0, "backup", "list").out()).doesNotContain("big-");

        // the next run removes the stale partial and writes one good archive (smaller now, to keep the test quick)
        Files.delete(data.resolve("noise.bin"));
        fleet.expect(0, "backup", "big", "--mode", "online");
        assertThat(partials(dir)).as("stale partials after the next run").isEmpty();
        List<Path> good = archives(dir);
        assertThat(good).hasSize(1);
        fleet.expect(0, "backup", "verify", good.get(0).toString());
    }

    @Test
    @Order(4)
    void aFullDiskFailsTheBackupCleanlyAndKeepsTheOlderOne() throws Exception {
        fleet.create("disk");
        Path full = Files.createDirectories(fleet.root.getParent().resolve("tiny-disk"));
        Sh.Result mount = Sh.run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", full.toString());
        assertThat(mount.code())
                .as("the full-disk test needs to mount a 2 MB tmpfs (run the engine tests as root, as CI does):"
                        + " mount -t tmpfs -o size=2m tmpfs " + full + " said: "
                        + mount.err().strip())
                .isZero();
        try {
            Cli.Result first = fleet.expect(0, "backup", "disk", "--to", full.toString());
            assertThat(first.out()).contains("disk: " + full).contains("not running, nothing held");
            List<Path> before = archives(full.resolve("disk"));
            assertThat(before).hasSize(1);
            Map<String, String> kept = TreeSnapshot.of(full);

            writeRandom(instance("disk").resolve("workspace/blob.bin"), 3 << 20); // incompressible, more than the disk
            Thread.sleep(1100); // a second backup in the same second would collide by design
            Cli.Result second = fleet.cli("backup", "disk", "--to", full.toString());
            assertThat(second.code()).as(second.toString()).isEqualTo(1);
            assertThat(second.errLines()).as(second.toString()).hasSize(1);
            assertThat(second.errLines().get(0))
                    .startsWith("agentctl: backup of disk failed: ")
                    .contains("more than half the free space")
                    .doesNotContain("backup of instance disk");

            assertThat(TreeSnapshot.diff(kept, TreeSnapshot.of(full)))
                    .as("the backups folder after the failed run")
                    .isEmpty();
            assertThat(partials(full.resolve("disk"))).isEmpty();
            fleet.expect(0, "backup", "verify", before.get(0).toString());
            assertThat(json(fleet.expect(0, "backup", "list", "--to", full.toString(), "--json")
                            .out()))
                    .hasSize(1);
        } finally {
            Sh.Result umount = Sh.run("umount", full.toString());
            assertThat(umount.code()).as("umount " + full + ": " + umount.err()).isZero();
        }
        Files.delete(instance("disk").resolve("workspace/blob.bin"));
    }

    // ---------------------------------------------------------------------------------------------- restore

    @Test
    @Order(5)
    void restoreAsGivesASecondInstanceThatComesUpBesideTheFirst() {
        Path archive = archives(backups("live")).get(0);
        int livePort = FleetRun.port(fleet, "live");

        Cli.Result r = fleet.expect(0, "restore", archive.toString(), "--as", "live2", "--keep-channels");
        assertThat(r.err()).contains("port " + livePort + " is taken");
        assertThat(r.out()).contains("Restored live2 on port");
        int port2 = FleetRun.port(fleet, "live2");
        assertThat(port2).isNotEqualTo(livePort).isBetween(fleet.firstPort, fleet.firstPort + 19);
        assertThat(instance("live2").resolve(HISTORY))
                .as("live's history came along")
                .isNotEmptyFile();

        fleet.expect(0, "up", "live2");
        awaitHealthy(fleet, "live2", HEALTHY_WITHIN);
        awaitHealthy(fleet, "live", HEALTHY_WITHIN);
        assertThat(EngineFleet.health(livePort).status()).isEqualTo(200);
        assertThat(EngineFleet.health(port2).status()).isEqualTo(200);
        assertThat(FleetRun.id(fleet, "live2")).isNotEqualTo(FleetRun.id(fleet, "live"));
    }

    @Test
    @Order(6)
    void hostileArchivesAreRefusedWithNothingWritten() throws IOException {
        Path good = archives(backups("idle")).get(0);
        Path work = fleet.root.getParent();
        // an entry climbing out of the instance folder, else a valid backup of idle
        Path escape = work.resolve("escape.tar.gz");
        rewrite(good, escape, "instance/../../evil", "pwned");
        // the same backup with config.json's bytes changed (same size): the manifest checksum no longer matches
        Path tampered = work.resolve("tampered.tar.gz");
        rewrite(good, tampered, null, null);

        Map<String, String> before = stableSnapshot(work);
        String idleId = FleetRun.id(fleet, "idle");

        Cli.Result r1 = fleet.cli("restore", escape.toString(), "--force");
        assertThat(r1.code()).as(r1.toString()).isEqualTo(2);
        assertThat(r1.errLines()).as(r1.toString()).hasSize(1);
        assertThat(r1.errLines().get(0)).contains("refusing to restore").contains("escape.tar.gz");

        Cli.Result r2 = fleet.cli("restore", tampered.toString(), "--as", "tampered");
        assertThat(r2.code()).as(r2.toString()).isEqualTo(2);
        assertThat(r2.errLines()).as(r2.toString()).hasSize(1);
        assertThat(r2.errLines().get(0)).contains("refusing to restore").containsIgnoringCase("sha256");

        assertThat(TreeSnapshot.diff(before, stableSnapshot(work)))
                .as("changes after refused restores")
                .isEmpty();
        assertThat(work.resolve("evil")).doesNotExist();
        assertThat(fleet.root.resolve("evil")).doesNotExist();
        assertThat(instance("tampered")).doesNotExist();
        assertThat(FleetRun.id(fleet, "idle")).isEqualTo(idleId);
        assertThat(fleet.inspect("idle", "{{.State.Status}}")).isEqualTo("exited");
    }

    @Test
    @Order(7)
    void restoreForceOntoARunningInstanceBacksItUpSwapsAndStartsItAgain() throws Exception {
        Thread.sleep(1100);
        fleet.expect(0, "backup", "live");
        Path dir = backups("live");
        List<Path> before = archives(dir);
        Path from = before.get(before.size() - 1); // names sort by time
        Path marker = instance("live").resolve("workspace/made-after-the-backup.txt");
        Files.writeString(marker, "gone after the restore");
        Thread.sleep(1100); // the safety backup must not fall in the same second as `from`

        Cli.Result r = fleet.expect(0, "restore", from.toString(), "--force");
        assertThat(r.out())
                .contains("backed up the current live to")
                .contains("bringing live up again")
                .contains("It is running again.")
                .doesNotContain("Start it with");

        List<Path> after = archives(dir);
        assertThat(after).hasSize(before.size() + 1);
        Path safety =
                after.stream().filter(p -> !before.contains(p)).findFirst().orElseThrow();
        assertThat(r.out()).contains(safety.toString());
        assertThat(entries(safety))
                .as("the safety backup holds what was replaced")
                .containsKey("instance/workspace/made-after-the-backup.txt");
        assertThat(marker).as("a file made after the restored backup").doesNotExist();
        assertThat(fleet.inspect("live", "{{.State.Status}}")).isEqualTo("running");
        awaitHealthy(fleet, "live", HEALTHY_WITHIN);
        Path history = instance("live").resolve(HISTORY);
        long n = lines(history);
        FleetRun.await(
                "live writing into the restored folder",
                Duration.ofSeconds(10),
                () -> lines(history) > n ? null : n + " lines");
    }

    // ---------------------------------------------------------------------------------------------- migrate

    @Test
    @Order(8)
    void migrateImportsANanobotFolderWithLiteralSecrets() throws IOException {
        Path home = Files.createDirectories(fleet.root.getParent().resolve("home"));
        Path nb = Files.createDirectories(home.resolve(".nanobot"));
        Files.writeString(nb.resolve("config.json"), """
                {
                  "agents": {"defaults": {"model": "gpt-4o-mini", "workspace": "~/.nanobot/workspace", "maxTokens": 4096}},
                  "providers": {"openai": {"apiKey": "sk-test-0123456789abcdef"}},
                  "channels": {"telegram": {"enabled": false, "token": "123456:telegram-literal"}},
                  "gateway": {"host": "127.0.0.1", "port": 18790}
                }
                """);
        Files.createDirectories(nb.resolve("workspace/memory"));
        Files.writeString(nb.resolve("workspace/SOUL.md"), "# my old soul\n");
        Files.writeString(nb.resolve("workspace/memory/MEMORY.md"), "remember this\n");
        Files.createDirectories(nb.resolve("sessions"));
        Files.writeString(nb.resolve("sessions/x.jsonl"), "{\"role\":\"user\",\"content\":\"hi\"}\n");
        Files.createDirectories(nb.resolve("media"));
        byte[] media = new byte[4096];
        new Random(7).nextBytes(media);
        Files.write(nb.resolve("media/a.bin"), media);
        int port = fleet.firstPort + 15;

        String oldHome = System.getProperty("user.home");
        System.setProperty("user.home", home.toString()); // so "~/.nanobot/workspace" is the hand-made one
        Cli.Result m;
        try {
            m = fleet.expect(0, "migrate", "--from", nb.toString(), "old", Integer.toString(port));
        } finally {
            System.setProperty("user.home", oldHome);
        }
        assertThat(m.out())
                .contains("providers.openai.apiKey")
                .contains("channels.telegram.token")
                .contains("as old on port " + port);

        Path dir = instance("old");
        JsonNode cfg = json(Files.readString(dir.resolve("config/config.json")));
        assertThat(cfg.at("/providers/openai/apiKey").asText()).matches("\\$\\{[A-Z_]+}");
        assertThat(cfg.at("/channels/telegram/token").asText()).matches("\\$\\{[A-Z_]+}");
        assertThat(cfg.toString()).doesNotContain("sk-test-0123456789abcdef").doesNotContain("telegram-literal");
        assertThat(cfg.at("/gateway/host").asText()).isEqualTo("0.0.0.0");
        assertThat(cfg.at("/gateway/port").asInt()).isEqualTo(port);
        assertThat(cfg.at("/agents/defaults/workspace").asText()).isEqualTo(dev.agentctl.fleet.Layout.WORKSPACE_DIR);
        assertThat(cfg.at("/agents/defaults/maxTokens").asInt()).isEqualTo(4096);

        Path env = dir.resolve(".env");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env)))
                .isEqualTo("rw-------");
        String envText = Files.readString(env);
        String keyVar = cfg.at("/providers/openai/apiKey").asText().replaceAll("[${}]", "");
        String tokenVar = cfg.at("/channels/telegram/token").asText().replaceAll("[${}]", "");
        assertThat(envText)
                .containsPattern("(?m)^" + keyVar + "='sk-test-0123456789abcdef'$")
                .containsPattern("(?m)^" + tokenVar + "='123456:telegram-literal'$");

        assertThat(dir.resolve("config/sessions/x.jsonl")).hasSameTextualContentAs(nb.resolve("sessions/x.jsonl"));
        assertThat(Files.readAllBytes(dir.resolve("config/media/a.bin"))).isEqualTo(media);
        assertThat(dir.resolve("workspace/SOUL.md")).hasContent("# my old soul");
        assertThat(dir.resolve("workspace/memory/MEMORY.md")).hasContent("remember this");
        assertThat(dir.resolve("config/workspace"))
                .as("the workspace is not copied twice")
                .doesNotExist();
        assertThat(Files.readString(nb.resolve("config.json")))
                .as("the source is left as it was")
                .contains("sk-test-0123456789abcdef");

        fleet.expect(0, "channel", "enable", "old", "mattermost");
        fleet.expect(0, "up", "old");
        awaitHealthy(fleet, "old", HEALTHY_WITHIN);
        assertThat(EngineFleet.health(port).status()).isEqualTo(200);
        FleetRun.await(
                "the migrated agent writing into its workspace",
                Duration.ofSeconds(10),
                () -> lines(dir.resolve("workspace/sessions/standin.jsonl")) > 0 ? null : "no session line yet");
    }

    // ---------------------------------------------------------------------------------------------- rm, prune

    @Test
    @Order(9)
    void rmTakesAFinalBackupUnlessNoBackup() throws IOException {
        fleet.create("gone1");
        fleet.create("gone2");
        fleet.create("gone3");
        fleet.expect(0, "up", "gone1", "gone2", "gone3");

        Cli.Result rm1 = fleet.expect(0, "rm", "gone1", "--yes");
        List<Path> finals = archives(backups("gone1"));
        assertThat(finals).hasSize(1);
        assertThat(rm1.out())
                .contains("Final backup: " + finals.get(0))
                .contains("Removed container " + fleet.container("gone1"));
        assertThat(FleetRun.id(fleet, "gone1")).isNull();
        fleet.expect(0, "backup", "verify", finals.get(0).toString());
        assertThat(entries(finals.get(0))).containsKey("instance/" + HISTORY);

        Cli.Result rm2 = fleet.expect(0, "rm", "gone2", "--yes", "--no-backup");
        assertThat(rm2.out()).doesNotContain("Final backup").contains("Removed container " + fleet.container("gone2"));
        assertThat(FleetRun.id(fleet, "gone2")).isNull();
        assertThat(archives(backups("gone2"))).isEmpty();
        assertThat(FleetRun.status(fleet, "--no-stats").keySet()).doesNotContain("gone1", "gone2");

        // a final backup that cannot be written: nothing is removed and the instance runs on
        Files.writeString(backups("gone3"), "a file where the backups folder should be");
        String id3 = FleetRun.id(fleet, "gone3");
        Cli.Result rm3 = fleet.cli("rm", "gone3", "--yes");
        assertThat(rm3.code()).as(rm3.toString()).isEqualTo(1);
        assertThat(rm3.errLines()).as(rm3.toString()).hasSize(1);
        assertThat(rm3.errLines().get(0))
                .contains("final backup of gone3 failed, so nothing was removed")
                .contains("it is not a folder")
                .contains("--no-backup");
        assertThat(instance("gone3").resolve("config/config.json")).isRegularFile();
        assertThat(FleetRun.id(fleet, "gone3")).as("the same container").isEqualTo(id3);
        assertThat(fleet.inspect("gone3", "{{.State.Status}}")).isEqualTo("running");
        awaitHealthy(fleet, "gone3", HEALTHY_WITHIN);
    }

    @Test
    @Order(10)
    void pruneDryRunDeletesNothingAndKeepLastKeepsTheNewestPerInstance() throws Exception {
        fleet.create("p1");
        fleet.create("p2");
        Path to = Files.createDirectories(fleet.root.getParent().resolve("prune-backups"));
        for (int i = 0; i < 3; i++) {
            if (i > 0) {
                Thread.sleep(1100);
            }
            fleet.expect(0, "backup", "p1", "p2", "--mode", "online", "--to", to.toString());
        }
        List<Path> p1 = archives(to.resolve("p1"));
        List<Path> p2 = archives(to.resolve("p2"));
        assertThat(p1).hasSize(3);
        assertThat(p2).hasSize(3);
        Map<String, String> before = TreeSnapshot.of(to);

        Cli.Result dry = fleet.expect(0, "backup", "prune", "--keep-last", "1", "--dry-run", "--to", to.toString());
        assertThat(dry.out().lines().filter(l -> l.startsWith("would remove"))).hasSize(4);
        assertThat(dry.out()).contains("Would remove 4 backup(s)");
        for (Path old : List.of(p1.get(0), p1.get(1), p2.get(0), p2.get(1))) {
            assertThat(dry.out()).contains("would remove " + old.getFileName());
        }
        assertThat(TreeSnapshot.diff(before, TreeSnapshot.of(to)))
                .as("changes after --dry-run")
                .isEmpty();

        Cli.Result prune = fleet.expect(0, "backup", "prune", "--keep-last", "1", "--to", to.toString());
        assertThat(prune.out()).contains("Removed 4 backup(s)");
        assertThat(archives(to.resolve("p1"))).containsExactly(p1.get(2));
        assertThat(archives(to.resolve("p2"))).containsExactly(p2.get(2));
        try (Stream<Path> s = Files.list(to.resolve("p1"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .as("only the kept archive and its sidecar")
                    .containsExactlyInAnyOrder(
                            p1.get(2).getFileName().toString(), p1.get(2).getFileName() + ".manifest.json");
        }
        JsonNode list = json(fleet.expect(0, "backup", "list", "--to", to.toString(), "--json")
                .out());
        assertThat(list).hasSize(2);
        fleet.expect(0, "backup", "verify", "--all", "--to", to.toString());
    }

    @Test
    @Order(11)
    void anUnreadableInstanceDoesNotStopTheBackupOfTheOthers() throws IOException {
        fleet.create("u1");
        fleet.create("u2");
        fleet.expect(0, "up", "u1", "u2");
        Path settings = instance("u1").resolve("instance.yaml");
        String good = Files.readString(settings);
        Files.writeString(settings, good + "no-such-setting: 1\n");
        Path to = fleet.root.getParent().resolve("unreadable-backups");
        try {
            // every instance, as cron runs it (into a folder of its own: gone3's backups folder is a file, see above)
            Cli.Result b = fleet.cli("backup", "--to", to.toString());
            assertThat(b.code()).as(b.toString()).isEqualTo(1);
            assertThat(b.errLines())
                    .as(b.toString())
                    .singleElement()
                    .asString()
                    .contains("warning: instance u1 is unreadable")
                    .contains(settings.toString());
            for (String name : List.of("live", "idle", "u1", "u2")) {
                assertThat(b.out())
                        .as(b.toString())
                        .containsPattern("(?m)^" + name + ": .*" + name + "-\\d{8}T\\d{6}Z\\.tar\\.zst");
            }
            assertThat(b.out()).containsPattern("(?m)^u1: .*pause held the container for \\d+ ms");
            List<Path> u1 = archives(to.resolve("u1"));
            assertThat(u1).hasSize(1);
            assertThat(entries(u1.get(0))).containsKey("instance/instance.yaml");
            fleet.expect(0, "backup", "verify", u1.get(0).toString());
            for (String name : List.of("u1", "u2")) {
                assertThat(fleet.inspect(name, "{{.State.Status}} {{.State.Paused}}"))
                        .as(name)
                        .isEqualTo("running false");
            }

            Cli.Result named = fleet.cli(
                    "backup",
                    "u1",
                    "--mode",
                    "online",
                    "--to",
                    to.resolveSibling("unreadable-named").toString());
            assertThat(named.code()).as(named.toString()).isEqualTo(1);
            assertThat(named.err()).contains("instance u1 is unreadable");
            assertThat(fleet.cli("backup", "nobody", "--to", to.toString()).code())
                    .isEqualTo(2);
        } finally {
            Files.writeString(settings, good);
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    static Path instance(String name) {
        return fleet.root.resolve("instances").resolve(name);
    }

    static Path backups(String name) {
        return fleet.root.resolve("backups").resolve(name);
    }

    /** Visible archives in a folder, oldest first (their names sort by time). */
    static List<Path> archives(Path dir) {
        return listing(dir, n -> !n.startsWith(".") && (n.endsWith(".tar.zst") || n.endsWith(".tar.gz")));
    }

    static List<Path> partials(Path dir) {
        return listing(dir, n -> n.startsWith(".") && n.endsWith(".partial"));
    }

    private static List<Path> listing(Path dir, java.util.function.Predicate<String> name) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> name.test(p.getFileName().toString())).sorted().toList();
        } catch (IOException e) {
            return List.of(); // a partial removed while listed
        }
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    static long lines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p).size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    static JsonNode json(String text) {
        try {
            return FleetRun.JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /** A folder of the instance holding noise.bin, {@code bytes} of random (incompressible) data; returns the folder. */
    static Path noise(String instance, String dir, int bytes) throws IOException {
        Path data = Files.createDirectories(instance(instance).resolve(dir));
        writeRandom(data.resolve("noise.bin"), bytes);
        return data;
    }

    static void writeRandom(Path file, int bytes) throws IOException {
        Random r = new Random(42);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int left = bytes; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, Math.min(left, buf.length));
            }
        }
    }

    /** Every regular entry of an archive by name, with its content (small archives only). */
    static Map<String, byte[]> entries(Path archive) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(archive);
                TarArchiveInputStream tar =
                        new TarArchiveInputStream(dev.agentctl.io.Compression.decompress(in), "UTF-8")) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    tar.transferTo(b);
                    out.put(e.getName(), b.toByteArray());
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read " + archive, e);
        }
        return out;
    }

    /**
     * Copies a real backup entry by entry. With {@code extraName}, adds that file just before manifest.json; without,
     * changes the bytes of instance/config/config.json (same size), so its manifest checksum no longer matches.
     */
    static void rewrite(Path from, Path to, String extraName, String extraContent) throws IOException {
        try (InputStream in = Files.newInputStream(from);
                TarArchiveInputStream tin =
                        new TarArchiveInputStream(dev.agentctl.io.Compression.decompress(in), "UTF-8");
                TarArchiveOutputStream tout = new TarArchiveOutputStream(
                        new GzipCompressorOutputStream(Files.newOutputStream(to)), "UTF-8")) {
            tout.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tout.setAddPaxHeadersForNonAsciiNames(true);
            tout.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            TarArchiveEntry e;
            while ((e = tin.getNextEntry()) != null) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                tin.transferTo(b);
                byte[] data = b.toByteArray();
                if (e.getName().equals("manifest.json") && extraName != null) {
                    byte[] x = extraContent.getBytes(StandardCharsets.UTF_8);
                    TarArchiveEntry evil = new TarArchiveEntry(extraName, TarConstants.LF_NORMAL, true);
                    evil.setSize(x.length);
                    evil.setMode(0100644);
                    put(tout, evil, x);
                }
                if (extraName == null && e.getName().equals("instance/config/config.json")) {
                    data[data.length / 2] ^= 0x20; // same size, other bytes
                }
                put(tout, e, data); // the entry as read: same name, mode, mtime (PAX), size
            }
            tout.finish();
        }
    }

    private static void put(TarArchiveOutputStream tout, TarArchiveEntry e, byte[] data) throws IOException {
        tout.putArchiveEntry(e);
        tout.write(data);
        tout.closeArchiveEntry();
    }

    /** A snapshot of everything under dir except what the running stand-ins keep appending to. */
    static Map<String, String> stableSnapshot(Path dir) {
        Map<String, String> s = TreeSnapshot.of(dir);
        s.keySet().removeIf(k -> k.endsWith("history.jsonl") || k.endsWith("standin.jsonl") || k.endsWith(".log"));
        return s;
    }
}
