package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.backup.BackupWriter;
import dev.agentctl.fleet.Layout;
import dev.agentctl.io.Compression;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The attacks of issue 9, run for real: an agent with a shell (uid 1000, no capabilities) inside a running instance
 * plants links and races renames in its own config/ and workspace/ while the host runs agentctl as root; a host file
 * it aims at must stay exactly as it was. Beside them: the data-safety edges (150,000 files, agentctl killed while it
 * holds a container for a backup, a restore --force of an archive that is no instance).
 */
@Tag("engine")
class HostileAgentIT {
    static final Path AGENTCTL = EngineFleet.repo().resolve("bin/agentctl");
    /** The agent's own interpreter, from the runtime mounted into every instance. */
    static final String PYTHON = "/opt/venv/bin/python3";

    static EngineFleet fleet;
    static Path work;
    /** A root-only host file the agent must never read: what /etc/shadow is on a real host. */
    static Path secret;
    /** A root-owned host file the agent must never write: what /etc/crontab is on a real host. */
    static Path crontab;

    @BeforeAll
    static void twoRunningInstancesAndTwoHostFiles() throws IOException {
        fleet = FleetRun.fleetWithRuntime("ithostile", "a", "b");
        fleet.expect(0, "up");
        work = Files.createTempDirectory("agentctl-hostile-");
        secret = work.resolve("shadow");
        Files.writeString(secret, "root:HOST-SECRET-$6$saltsalt$not-for-agents:19000:0:99999:7:::\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        crontab = work.resolve("crontab");
        Files.writeString(
                crontab, "# m h dom mon dow user command\n17 * * * * root cd / && run-parts /etc/cron.hourly\n");
        Files.setPosixFilePermissions(crontab, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
        FleetRun.deleteTree(work);
    }

    /** A shell script run inside the instance as its own user (uid 1000), like the agent's shell tool. */
    static Sh.Result agent(String instance, String script) {
        return Sh.run("docker", "exec", "-u", "1000", fleet.container(instance), "sh", "-c", script);
    }

    /** Content, mode, owner and mtime: what "untouched" means for a host file. */
    static String fingerprint(Path p) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return Files.readString(p) + "|" + PosixFilePermissions.toString(a.permissions()) + "|" + a.owner() + "|"
                + a.lastModifiedTime();
    }

    static Path instanceDir(String name) {
        return fleet.root.resolve("instances").resolve(name);
    }

    @Test
    void aLinkPlantedAsSoulMdNeverCopiesAHostFileOrAnotherInstancesSecretsIntoTheContainer() throws IOException {
        String before = fingerprint(secret);
        Path bEnv = instanceDir("b").resolve(".env");
        String ws = Layout.WORKSPACE_DIR;

        for (Path target : List.of(secret, bEnv)) {
            Sh.Result plant = agent("a", "ln -sf '" + target + "' " + ws + "/SOUL.md && ls -l " + ws + "/SOUL.md");
            assertThat(plant.code()).as(plant.toString()).isZero();
            assertThat(plant.out()).contains("SOUL.md -> " + target);

            Cli.Result set = fleet.expect(0, "set", "a", "--soul", target.equals(secret) ? "expert" : "creative");
            assertThat(set.out() + set.err()).doesNotContain("HOST-SECRET").doesNotContain("sk-test-b");

            Sh.Result inside =
                    agent("a", "cat " + ws + "/SOUL.md.bak 2>/dev/null; echo ---; cat " + ws + "/SOUL.md; ls -l " + ws);
            assertThat(inside.out())
                    .as("what the agent can read after the set")
                    .doesNotContain("HOST-SECRET")
                    .doesNotContain("sk-test-b")
                    .contains(target.equals(secret) ? "expert" : "creative");
            Path soul = instanceDir("a").resolve("workspace/SOUL.md");
            assertThat(Files.isRegularFile(soul, LinkOption.NOFOLLOW_LINKS))
                    .as("SOUL.md is a file again")
                    .isTrue();
        }
        assertThat(fingerprint(secret)).isEqualTo(before);
        assertThat(Files.readString(bEnv)).contains("sk-test-b");
    }

    @Test
    void aLinkPlantedAsConfigJsonIsRefusedWithoutEchoingWhatItPointsAt() throws IOException {
        String before = fingerprint(secret);
        String cfg = Layout.CONFIG_DIR;
        Sh.Result plant = agent(
                "b", "cp " + cfg + "/config.json /tmp/keep.json && ln -sf '" + secret + "' " + cfg + "/config.json");
        assertThat(plant.code()).as(plant.toString()).isZero();
        try {
            Cli.Result set = fleet.cli("set", "b", "--model", "gpt-4o");
            assertThat(set.code()).as(set.toString()).isEqualTo(2);
            assertThat(set.errLines()).hasSize(1);
            assertThat(set.err()).contains("config.json").doesNotContain("HOST-SECRET");
            Cli.Result show = fleet.cli("show", "b");
            assertThat(show.code()).isEqualTo(2);
            assertThat(show.out() + show.err()).doesNotContain("HOST-SECRET");
            // it blocks only itself
            fleet.expect(0, "set", "a", "--model", "gpt-4o-mini");
        } finally {
            Sh.Result put =
                    agent("b", "cp /tmp/keep.json " + cfg + "/.put && mv -f " + cfg + "/.put " + cfg + "/config.json");
            assertThat(put.code()).as(put.toString()).isZero();
        }
        assertThat(fingerprint(secret)).isEqualTo(before);
        fleet.expect(0, "show", "b");
    }

    @Test
    void renamingLinksOverTheFilesAgentctlWritesInALoopNeverMakesItWriteOrChmodAHostFile() throws Exception {
        fleet.create("racer");
        fleet.expect(0, "up", "racer");
        String secretBefore = fingerprint(secret);
        String crontabBefore = fingerprint(crontab);
        String ws = Layout.WORKSPACE_DIR;
        String cfg = Layout.CONFIG_DIR;
        // For 8 seconds, as fast as the agent's own Python goes: every name that appears in config/ or workspace/
        // (a temporary file agentctl might make there), and SOUL.md and SOUL.md.bak, which agentctl writes, are
        // replaced, atomically by rename, with a link to a host file. config.json is left alone: a link there
        // only makes agentctl refuse every command on the instance.
        String loop = String.join(
                "\n",
                "import os, time",
                "end = time.time() + 8; n = 0",
                "targets = ['" + secret + "', '" + crontab + "']",
                "dirs = ['" + ws + "', '" + cfg + "']",
                "known = {d: set(os.listdir(d)) - {'SOUL.md'} for d in dirs}",
                "while time.time() < end:",
                "    for d in dirs:",
                "        for f in os.listdir(d) + ['SOUL.md.bak']:",
                "            if f in known[d] or f.startswith('.l'): continue",
                "            t = os.path.join(d, '.l%d' % n); n += 1",
                "            try:",
                "                os.symlink(targets[n % 2], t); os.rename(t, os.path.join(d, f))",
                "            except OSError:",
                "                pass",
                "print('swaps=%d' % n)");
        Process attacker = new ProcessBuilder(
                        "docker", "exec", "-u", "1000", fleet.container("racer"), PYTHON, "-c", loop)
                .redirectErrorStream(true)
                .start();
        int runs = 0;
        List<Integer> codes = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
        while (System.nanoTime() < until) {
            Cli.Result r = switch (runs % 3) {
                case 0 -> fleet.cli("set", "racer", "--soul", runs % 2 == 0 ? "expert" : "creative");
                case 1 -> fleet.cli("set", "racer", "--model", "gpt-4o-" + runs);
                default -> fleet.cli("set", "racer", "--env", "EXTRA=" + runs);
            };
            codes.add(r.code());
            assertThat(r.errLines()).as("one line at most: %s", r).hasSizeLessThanOrEqualTo(1);
            assertThat(r.out() + r.err()).doesNotContain("HOST-SECRET").doesNotContain("run-parts");
            runs++;
        }
        assertThat(attacker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String said = new String(attacker.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(said).as("the attack ran").containsPattern("swaps=[1-9][0-9]+");
        assertThat(runs).as("agentctl set ran many times against it").isGreaterThan(10);
        assertThat(codes).as("each set either worked or was refused").allMatch(c -> c == 0 || c == 2);

        assertThat(fingerprint(secret)).isEqualTo(secretBefore);
        assertThat(fingerprint(crontab)).isEqualTo(crontabBefore);
        // whatever the agent left, agentctl reads no host file through it
        Cli.Result show = fleet.cli("show", "racer");
        assertThat(show.out() + show.err()).doesNotContain("HOST-SECRET").doesNotContain("run-parts");
    }

    @Test
    void restoreForceWithAnArchiveThatHoldsNoConfigJsonStopsNothing() throws Exception {
        FleetRun.awaitHealthy(fleet, "a", Duration.ofSeconds(60));
        String before = fleet.inspect("a", "{{.Id}} {{.State.StartedAt}} {{.State.Running}}");
        Path copy = work.resolve("noconfig/a");
        Files.createDirectories(copy.getParent());
        Sh.Result cp = Sh.run("cp", "-a", instanceDir("a").toString(), copy.getParent() + "/");
        assertThat(cp.code()).as(cp.toString()).isZero();
        Files.delete(copy.resolve("config/config.json"));
        Path archive = new BackupWriter(Clock.systemUTC(), Compression.ZSTD)
                .write(
                        copy,
                        work.resolve("noconfig-backups"),
                        new BackupWriter.Metadata("a", 1, "m", null, "test", null, null),
                        BackupWriter.Quiescer.none())
                .archive();

        Cli.Result r = fleet.cli("restore", archive.toString(), "--force");

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("config.json").contains("nothing was changed");
        assertThat(fleet.inspect("a", "{{.Id}} {{.State.StartedAt}} {{.State.Running}}"))
                .as("the same container, never stopped")
                .isEqualTo(before);
        fleet.expect(0, "create", "c1", "--env", "OPENAI_API_KEY=sk-x");
        fleet.expect(0, "rm", "c1", "--yes", "--no-backup");
    }

    @Test
    void aHundredAndFiftyThousandFilesAreBackedUpVerifiedAndRestored() throws IOException {
        fleet.create("many");
        Path ws = instanceDir("many").resolve("workspace/notes");
        int files = 150_000;
        for (int d = 0; d < 300; d++) {
            Path dir = Files.createDirectories(ws.resolve("d" + d));
            for (int f = 0; f < files / 300; f++) {
                Files.writeString(dir.resolve("n" + f + ".md"), "note " + d + "/" + f + "\n");
            }
        }

        Cli.Result backup = fleet.expect(0, "backup", "many");
        Path archive;
        try (Stream<Path> s = Files.list(fleet.root.resolve("backups/many"))) {
            archive =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        assertThat(backup.out()).contains(archive.toString());

        Cli.Result verify = fleet.cli("backup", "verify", archive.toString());
        assertThat(verify.code()).as(verify.toString()).isZero();
        assertThat(verify.out()).startsWith("ok    " + archive);

        fleet.expect(0, "restore", archive.toString(), "--as", "many2");
        long restored;
        try (Stream<Path> s = Files.walk(instanceDir("many2").resolve("workspace/notes"))) {
            restored = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .count();
        }
        assertThat(restored).isEqualTo(files);
        assertThat(Files.readString(instanceDir("many2").resolve("workspace/notes/d299/n499.md")))
                .isEqualTo("note 299/499\n");
        fleet.expect(0, "rm", "many", "--yes", "--no-backup");
        fleet.expect(0, "rm", "many2", "--yes", "--no-backup");
    }

    /**
     * Starts {@code agentctl backup NAME --mode MODE} as its own process and kills it (-9) the moment the engine
     * reports {@code event} for the container: while it holds it.
     */
    static void killBackupAt(String instance, String mode, String event) throws Exception {
        Process events = new ProcessBuilder(
                        "docker",
                        "events",
                        "--filter",
                        "container=" + fleet.container(instance),
                        "--filter",
                        "event=" + event,
                        "--format",
                        "{{.Action}}")
                .redirectErrorStream(true)
                .start();
        try {
            Thread.sleep(300); // the event stream is open before the backup starts
            Process backup = new ProcessBuilder(
                            AGENTCTL.toString(), "backup", instance, "--mode", mode, "--root", fleet.root.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("backup-" + mode + ".log").toFile())
                    .start();
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(events.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            backup.destroyForcibly(); // SIGKILL: no finally, no shutdown hook
            assertThat(line).as("docker events").startsWith(event);
            assertThat(backup.waitFor(20, TimeUnit.SECONDS)).isTrue();
        } finally {
            events.destroyForcibly();
        }
    }

    /** A 256 MiB file the agent keeps touching: the backup's held second pass must copy it again, which takes a while. */
    static Process keepTouchingABigFile(String instance) throws IOException {
        Path big = instanceDir(instance).resolve("workspace/big.bin");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            byte[] chunk = new byte[1 << 20];
            new java.util.Random(7).nextBytes(chunk);
            for (int i = 0; i < 256; i++) {
                chunk[0] = (byte) i;
                f.write(chunk);
            }
        }
        Sh.run("chown", "1000:1000", big.toString());
        return new ProcessBuilder(
                        "docker",
                        "exec",
                        "-u",
                        "1000",
                        fleet.container(instance),
                        "sh",
                        "-c",
                        "while [ ! -e /tmp/stop ]; do touch " + Layout.WORKSPACE_DIR + "/big.bin; sleep 0.02; done")
                .start();
    }

    @Test
    void agentctlKilledWhileAPauseBackupHoldsTheContainerLeavesItToTheNextCommand() throws Exception {
        fleet.create("held");
        fleet.expect(0, "up", "held");
        Process toucher = keepTouchingABigFile("held");
        try {
            killBackupAt("held", "pause", "pause");
        } finally {
            toucher.destroyForcibly();
        }
        String paused = fleet.inspect("held", "{{.State.Status}}");
        assertThat(paused).as("killed while holding it").isEqualTo("paused");
        assertThat(fleet.root.resolve(".agentctl/holds")).isNotEmptyDirectory();

        Cli.Result status = fleet.cli("status", "held");
        assertThat(status.err()).contains("note: unpaused held (a killed agentctl, pid");
        assertThat(fleet.inspect("held", "{{.State.Status}}")).isEqualTo("running");
        assertThat(fleet.root.resolve(".agentctl/holds")).isEmptyDirectory();
        agent("held", "touch /tmp/stop");
        // the next backup clears what the killed one left half-written
        Cli.Result again = fleet.expect(0, "backup", "held");
        assertThat(again.out()).contains("pause held the container for");
        try (Stream<Path> s = Files.list(fleet.root.resolve("backups/held"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .allMatch(n -> !n.startsWith("."))
                    .anyMatch(n -> n.endsWith(".tar.zst"));
        }
    }

    @Test
    void agentctlKilledWhileAStopBackupHoldsTheContainerLeavesItToTheNextCommand() throws Exception {
        fleet.create("held2");
        fleet.expect(0, "up", "held2");
        killBackupAt("held2", "stop", "die");
        assertThat(fleet.inspect("held2", "{{.State.Status}}"))
                .as("killed while holding it")
                .isEqualTo("exited");

        assertThat(fleet.root.resolve(".agentctl/holds")).isNotEmptyDirectory();

        Cli.Result logs = fleet.cli("logs", "held2", "-n", "1"); // any command that reaches the engine
        assertThat(logs.err()).contains("note: started held2 again (a killed agentctl, pid");
        assertThat(fleet.inspect("held2", "{{.State.Status}}")).isEqualTo("running");
        assertThat(fleet.root.resolve(".agentctl/holds")).isEmptyDirectory();
    }
}
