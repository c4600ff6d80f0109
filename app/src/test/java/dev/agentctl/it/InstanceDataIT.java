package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The life cycle of conversations on a real engine: the stand-in agent (0.3.0's layout) writes sessions through
 * {@code nanobot agent -m}, {@code sessions archive} moves the idle ones out of the running instance into a verified
 * archive, the agent goes on working, and {@code sessions restore} brings them back, byte for byte, for the agent to
 * carry on in; then {@code agentctl run} talks to the same agent's data in a throwaway container once the instance is
 * stopped, and {@code cp} and {@code files} move and list its files through the engine, refusing what leaves its
 * data folders.
 */
@Tag("engine")
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class InstanceDataIT {
    static EngineFleet fleet;

    @BeforeAll
    static void fleet() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itses", "s");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    static void say(String session, String message) {
        // --root first: what follows "--" is the agent's
        Cli.Result r = Cli.at(fleet.root, "exec", "s", "--", "nanobot", "agent", "-m", message, "-s", session);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("standin reply to: " + message);
    }

    static long bytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            long n = 0;
            for (Path p : s.toList()) {
                n += Files.size(p);
            }
            return n;
        }
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void idleSessionsLeaveARunningInstanceIntoAVerifiedArchiveAndComeBackWhole() throws Exception {
        fleet.expect(0, "up", "s");
        for (String id : List.of("1", "2", "3")) {
            say("telegram:" + id, "hello " + id);
        }
        Path live = fleet.root.resolve("instances/s/workspace/sessions");
        Map<String, byte[]> old = new LinkedHashMap<>();
        for (String id : List.of("1", "2")) {
            Path p = live.resolve("telegram_" + id + ".jsonl");
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().minus(Duration.ofDays(40))));
            old.put(id, Files.readAllBytes(p));
        }
        long before = bytes(live);
        JsonNode listed =
                FleetRun.json(fleet.expect(0, "sessions", "s", "--json").out());
        // the three conversations, and whatever the gateway keeps of its own
        assertThat(listed.path("sessions").findValuesAsText("id")).contains("telegram_1", "telegram_2", "telegram_3");
        int count = listed.path("count").asInt();
        assertThat(listed.path("layout").asText()).isEqualTo("workspace");

        Cli.Result r = fleet.expect(0, "sessions", "archive", "s", "--older-than", "30d");
        assertThat(r.out()).as(r.toString()).containsPattern("s: archived 2 session\\(s\\), .* \\(held \\d+ ms\\)");
        assertThat(live.resolve("telegram_1.jsonl")).doesNotExist();
        assertThat(live.resolve("telegram_2.jsonl")).doesNotExist();
        assertThat(live.resolve("telegram_3.jsonl")).exists();
        assertThat(bytes(live)).isLessThan(before);

        // held and given back: running, healthy, and the agent still answers in the session it kept
        assertThat(fleet.inspect("s", "{{.State.Status}}")).isEqualTo("running");
        FleetRun.awaitHealthy(fleet, "s", Duration.ofSeconds(30));
        say("telegram:3", "still here");

        Path archive;
        try (Stream<Path> s = Files.list(fleet.root.resolve("backups/s/sessions"))) {
            archive =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        assertThat(fleet.expect(0, "backup", "verify", archive.toString()).out())
                .contains("ok");

        fleet.expect(0, "sessions", "restore", "s", archive.toString());
        for (var e : old.entrySet()) {
            Path p = live.resolve("telegram_" + e.getKey() + ".jsonl");
            assertThat(p).hasBinaryContent(e.getValue());
            if (isRoot()) {
                assertThat(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                        .isEqualTo(1000);
            }
        }
        // the agent carries on in a restored conversation: its old lines stay, the new ones follow
        say("telegram:1", "welcome back");
        String text = Files.readString(live.resolve("telegram_1.jsonl"));
        assertThat(text).startsWith(new String(old.get("1"), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(text).contains("welcome back");
        assertThat(FleetRun.json(fleet.expect(0, "sessions", "s", "--json").out())
                        .path("count")
                        .asInt())
                .isEqualTo(count);
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void runTalksToAStoppedInstanceInAThrowawayContainerAndPassesItsExitCode() throws Exception {
        fleet.expect(0, "stop", "s");
        Cli.Result hello =
                Cli.at(fleet.root, "run", "s", "--", "nanobot", "agent", "-m", "offline hello", "-s", "cli:run");
        assertThat(hello.code()).as(hello.toString()).isZero();
        assertThat(hello.out()).contains("standin reply to: offline hello");
        // the instance's own data: the conversation is in its workspace
        assertThat(Files.readString(fleet.root.resolve("instances/s/workspace/sessions/cli_run.jsonl")))
                .contains("offline hello");
        Cli.Result seven = Cli.at(fleet.root, "run", "s", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        assertThat(seven.code()).isEqualTo(7);
        assertThat(seven.out()).isEqualTo("out\n");
        assertThat(seven.err()).isEqualTo("err\n");
        // its hardening: a read-only root, no capabilities
        Cli.Result ro = Cli.at(fleet.root, "run", "s", "--", "sh", "-c", "touch /etc/x; grep CapEff /proc/self/status");
        assertThat(ro.err()).contains("Read-only file system");
        assertThat(ro.out()).contains("0000000000000000");
        Cli.Result slow = Cli.at(fleet.root, "run", "--timeout", "2s", "s", "--", "sleep", "60");
        assertThat(slow.code()).isEqualTo(124);
        // nothing left: no container of the runs, and the instance still stopped
        EngineFleet.Sh.Result ps = EngineFleet.Sh.run(
                "docker", "ps", "-a", "--filter", "name=" + fleet.container("s") + "-run-", "--format", "{{.Names}}");
        assertThat(ps.out().strip()).isEmpty();
        assertThat(fleet.inspect("s", "{{.State.Status}}")).isEqualTo("exited");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void cpAndFilesGoThroughTheEngineBothWaysAndRefuseWhatLeavesTheDataFolders() throws Exception {
        Path work = Files.createTempDirectory(fleet.root.getParent(), "cp-");
        Path src = Files.createDirectories(work.resolve("notes"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        Files.createDirectories(src.resolve("deep/er"));
        Files.write(src.resolve("deep/er/b.bin"), new byte[] {0, 1, 2, (byte) 255});
        Files.setPosixFilePermissions(
                src.resolve("a.txt"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        FileTime when = FileTime.from(Instant.parse("2026-01-02T03:04:05Z"));
        Files.setLastModifiedTime(src.resolve("a.txt"), when);
        Files.createSymbolicLink(src.resolve("link"), Path.of("a.txt"));

        // stopped: a throwaway container with its mounts does the work
        assertThat(fleet.inspect("s", "{{.State.Status}}")).isEqualTo("exited");
        Cli.Result in = fleet.expect(0, "cp", src.toString(), "s:workspace/");
        assertThat(in.out()).contains("to s:/home/nanobot/workspace/notes");
        Path landed = fleet.root.resolve("instances/s/workspace/notes");
        assertThat(landed.resolve("a.txt")).hasContent("alpha");
        assertThat(landed.resolve("deep/er/b.bin")).hasBinaryContent(new byte[] {0, 1, 2, (byte) 255});
        assertThat(Files.readSymbolicLink(landed.resolve("link"))).isEqualTo(Path.of("a.txt"));
        assertThat(Files.getLastModifiedTime(landed.resolve("a.txt"))).isEqualTo(when);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(landed.resolve("a.txt"))))
                .isEqualTo("rw-r-----");
        if (isRoot()) { // the container's user owns what it got
            assertThat(Files.getAttribute(landed.resolve("deep/er/b.bin"), "unix:uid"))
                    .isEqualTo(1000);
        }

        JsonNode listed = FleetRun.json(
                fleet.expect(0, "files", "s", "workspace/notes", "--json").out());
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        listed.forEach(e -> byName.put(e.path("name").asText(), e));
        assertThat(byName.keySet()).containsExactlyInAnyOrder("a.txt", "deep", "link");
        assertThat(byName.get("a.txt").path("size").asLong()).isEqualTo(6);
        assertThat(byName.get("a.txt").path("mode").asText()).isEqualTo("0640");
        assertThat(byName.get("a.txt").path("mtime").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(byName.get("deep").path("type").asText()).isEqualTo("dir");
        assertThat(byName.get("link").path("target").asText()).isEqualTo("a.txt");

        // running: the instance's own container
        fleet.expect(0, "up", "s");
        Path back = work.resolve("back");
        fleet.expect(0, "cp", "s:workspace/notes", back.toString());
        assertThat(back.resolve("a.txt")).hasContent("alpha");
        assertThat(back.resolve("deep/er/b.bin")).hasBinaryContent(new byte[] {0, 1, 2, (byte) 255});
        assertThat(Files.isSymbolicLink(back.resolve("link"))).isTrue();
        assertThat(Files.getLastModifiedTime(back.resolve("a.txt"))).isEqualTo(when);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(back.resolve("a.txt"))))
                .isEqualTo("rw-r-----");
        fleet.expect(0, "cp", "s:workspace/notes/a.txt", work.resolve("one.txt").toString());
        assertThat(work.resolve("one.txt")).hasContent("alpha");

        // what leaves the data folders is refused, and nothing is written
        Files.createSymbolicLink(fleet.root.resolve("instances/s/workspace/evil"), Path.of("/etc"));
        Path none = work.resolve("none");
        for (String[] args : new String[][] {
            {"cp", "s:workspace/../../../etc/passwd", none.toString()},
            {"cp", "s:/etc/passwd", none.toString()},
            {"cp", "s:/opt/venv", none.toString()},
            {"cp", "s:workspace/evil/passwd", none.toString()},
            {"cp", src.resolve("a.txt").toString(), "s:workspace/evil/"},
            {"cp", src.resolve("a.txt").toString(), "s:/tmp/x"},
            {"cp", src.resolve("a.txt").toString(), "s:workspace/notes/a.txt"},
            {"files", "s", "workspace/evil/ssh"},
            // into or out of a folder the agents write, on the host: refused (agentctl is root)
            {
                "cp",
                "s:workspace/notes/a.txt",
                fleet.root.resolve("instances/s/workspace").toString()
            },
            {"cp", fleet.root.resolve("instances/s/workspace/notes").toString(), "s:workspace/copy"},
            // over what is there, also inside a folder given as the destination
            {"cp", src.resolve("a.txt").toString(), "s:workspace/notes/"},
        }) {
            Cli.Result r = fleet.cli(args);
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
        }
        assertThat(none).doesNotExist();
        // the link itself is listed, never what it points at
        JsonNode ws = FleetRun.json(fleet.expect(0, "files", "s", "--json").out());
        JsonNode evil = null;
        for (JsonNode e : ws) {
            if (e.path("name").asText().equals("evil")) {
                evil = e;
            }
        }
        assertThat(evil).isNotNull();
        assertThat(evil.path("type").asText()).isEqualTo("symlink");
        assertThat(evil.path("target").asText()).isEqualTo("/etc");
        assertThat(fleet.root.resolve("instances/s/workspace/notes/a.txt")).hasContent("alpha");
        FleetRun.deleteTree(work);
    }

    static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }
}
