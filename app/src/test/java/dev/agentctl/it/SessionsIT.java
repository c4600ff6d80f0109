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
 * stopped.
 */
@Tag("engine")
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SessionsIT {
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

    static boolean isRoot() throws IOException {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }
}
