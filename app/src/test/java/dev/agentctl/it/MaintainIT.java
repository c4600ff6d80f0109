package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * maintain on a real engine, as cron runs it: a killed agent healed, a crash loop left alone after its budget and
 * reported once to a webhook receiver on 127.0.0.1, a second maintain waiting then exiting 5 naming the first, and
 * the real cron daemon running the entry 'schedule install' wrote.
 */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MaintainIT {
    static EngineFleet fleet;
    static HttpServer hook;
    static final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void aFleetWithAReceiver() throws IOException {
        hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hook.createContext("/hook", ex -> {
            received.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hook.start();
        fleet = FleetRun.fleetWithRuntime("itmnt", "a");
        Path yaml = fleet.root.resolve("fleet.yaml");
        Files.writeString(
                yaml,
                Files.readString(yaml) + "maintain:\n  restartsPerDay: 1\n  backoff: 0s\nnotify:\n"
                        + "  json: [http://127.0.0.1:" + hook.getAddress().getPort() + "/hook]\n");
        fleet.expect(0, "up");
    }

    @AfterAll
    static void cleanUp() {
        Sh.run("rm", "-f", "/etc/cron.d/" + cronFile());
        hook.stop(0);
        FleetRun.dispose(fleet);
    }

    static String cronFile() {
        return fleet == null ? "none" : "agentctl-maintain-" + fleet.id().substring(0, 12);
    }

    @Test
    @Order(1)
    void anAgentKilledBehindAgentctlsBackIsHealed() {
        assertThat(Sh.run("docker", "kill", fleet.container("a")).code()).isZero();
        Cli.Result r = fleet.cli("maintain");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("a was exited").contains("restarted (1 of 1 today), healthy again");
        assertThat(fleet.inspect("a", "{{.State.Health.Status}}")).isEqualTo("healthy");
        assertThat(received).hasSize(1);
        assertThat(received.get(0)).contains("healthy again");
    }

    @Test
    @Order(2)
    void aCrashLoopIsRestartedWithinItsBudgetThenLeftAloneAndReportedOnce() {
        fleet.create("loop", "--env", "STANDIN_EXIT_AT_START=1");
        fleet.cli("up", "loop", "--wait-timeout", "5s");
        Cli.Result first = fleet.cli("maintain", "--wait-timeout", "10s");
        assertThat(first.code()).as(first.toString()).isEqualTo(4);
        assertThat(first.out()).contains("loop").contains("restarted (1 of 1 today) but");
        Cli.Result second = fleet.cli("maintain", "--wait-timeout", "10s");
        assertThat(second.code()).isEqualTo(4);
        assertThat(second.out()).contains("gave up healing after 1 restarts in 24 h");
        String startedAt = fleet.inspect("loop", "{{.State.StartedAt}} {{.RestartCount}}");
        Cli.Result third = fleet.cli("maintain", "--wait-timeout", "10s");
        assertThat(third.out()).contains("gave up");
        assertThat(received.stream().filter(m -> m.contains("gave up")).count())
                .as("said once")
                .isEqualTo(1);
        fleet.expect(0, "rm", "loop", "--yes", "--no-backup");
        assertThat(startedAt).isNotEmpty();
    }

    @Test
    @Order(3)
    void aSecondMaintainWaitsThenExitsFiveNamingTheFirst() {
        try (FleetLock held = FleetLock.acquire(Fleet.open(fleet.root), Duration.ZERO, "agentctl maintain", m -> {})) {
            Cli.Result r = fleet.cli("maintain", "--wait", "2s");
            assertThat(r.code()).as(r.toString()).isEqualTo(5);
            assertThat(r.err()).contains("pid " + ProcessHandle.current().pid()).contains("agentctl maintain");
        }
    }

    @Test
    @Order(4)
    void dueBackupsOnASmallDiskAFullDiskAndACorruptedArchiveAreEachReportedOnce() throws Exception {
        Path disk = fleet.root.getParent().resolve("small-disk");
        Files.createDirectories(disk);
        assertThat(Sh.run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", disk.toString())
                        .code())
                .as("a 16 MB tmpfs for the backups")
                .isZero();
        Path yaml = fleet.root.resolve("fleet.yaml");
        String before = Files.readString(yaml);
        try {
            assertThat(before).doesNotContain("backups:");
            Files.writeString(yaml, before + "backups:\n  dir: " + disk + "\n  every: 1h\n");
            int sent = received.size();
            Cli.Result first = fleet.cli("maintain");
            assertThat(first.code()).as(first.toString()).isZero();
            assertThat(first.out()).contains("backed up to " + disk.resolve("a"));
            Cli.Result second = fleet.cli("maintain");
            assertThat(second.out()).as("not due again within the hour").doesNotContain("backed up to");

            Path filler = disk.resolve("filler");
            assertThat(Sh.run("dd", "if=/dev/zero", "of=" + filler, "bs=1M", "count=15")
                            .code())
                    .isZero();
            Cli.Result full = fleet.cli("maintain");
            assertThat(full.code()).isEqualTo(4);
            assertThat(full.out()).contains("backups").contains("critical at 90%");
            fleet.cli("maintain");
            assertThat(received.subList(sent, received.size()).stream().filter(m -> m.contains("critical at 90%")))
                    .as("the full disk is said once")
                    .hasSize(1);
            Files.delete(filler);
            Cli.Result freed = fleet.cli("maintain");
            assertThat(freed.code())
                    .as(freed + "\nhealth of a: " + fleet.inspect("a", "{{json .State.Health}}"))
                    .isZero();
            assertThat(received.get(received.size() - 1)).contains("cleared");

            Path archive;
            try (var list = Files.list(disk.resolve("a"))) {
                archive = list.filter(p -> p.toString().endsWith(".tar.zst"))
                        .findFirst()
                        .orElseThrow();
            }
            byte[] b = Files.readAllBytes(archive);
            b[b.length / 2] ^= 0x5a;
            Files.write(archive, b);
            Cli.Result bad = fleet.cli("maintain");
            assertThat(bad.code()).isEqualTo(4);
            assertThat(bad.out()).contains("verify").contains("does not verify");
        } finally {
            Files.writeString(yaml, before);
            Sh.run("umount", disk.toString());
        }
    }

    @Test
    @Order(5)
    void theRealCronRunsTheInstalledEntry() throws Exception {
        Path agentctl = EngineFleet.repo().resolve("bin/agentctl");
        Process install = new ProcessBuilder(
                        agentctl.toString(), "schedule", "install", "--every", "1m", "--root", fleet.root.toString())
                .redirectErrorStream(true)
                .start();
        String said = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(install.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(install.exitValue()).as(said).isZero();
        Path entry = Path.of("/etc/cron.d", cronFile());
        assertThat(Files.readString(entry)).contains("* * * * * root").contains("maintain --log");

        boolean ours = Sh.run("pgrep", "-x", "cron").code() != 0;
        if (ours) {
            assertThat(Sh.run("cron").code()).as("the cron daemon starts").isZero();
        }
        try {
            Path journal = fleet.root.resolve(".agentctl/journal.jsonl");
            long before = count(journal);
            FleetRun.await(
                    "cron running maintain",
                    Duration.ofSeconds(150),
                    () -> count(journal) > before ? null : "no new maintain line in the journal yet");
            assertThat(fleet.root.resolve(".agentctl/logs/maintain.log")).exists();
            assertThat(fleet.expect(0, "schedule", "status").out())
                    .contains("installed")
                    .contains("last maintain:");
            assertThat(fleet.expect(0, "history", "--since", "1h").out()).contains("agentctl maintain");
        } finally {
            fleet.expect(0, "schedule", "remove");
            if (ours) {
                Sh.run("pkill", "-x", "cron");
            }
        }
        assertThat(entry).doesNotExist();
    }

    static long count(Path journal) {
        try {
            return Files.isRegularFile(journal)
                    ? Files.readAllLines(journal).stream()
                            .filter(l -> l.contains("\"command\":[\"maintain\"]"))
                            .count()
                    : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
