package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.FakeEngine;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** maintain on the fake engine, with a real webhook receiver on 127.0.0.1 (the engine side: MaintainIT). */
class MaintainTest extends FakeFleet {
    HttpServer hook;
    final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void aRunningInstanceAndAReceiver() throws IOException {
        engine.healthyAfter = Duration.ZERO;
        engine.startLog = List.of("✓ Channels enabled: websocket, mattermost", "✓ Health endpoint: http://x/health");
        hook = receiver(0);
        settings("");
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("up");
    }

    HttpServer receiver(int port) throws IOException {
        HttpServer h = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        h.createContext("/hook", ex -> {
            received.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        h.start();
        return h;
    }

    @AfterEach
    void stopReceiver() {
        hook.stop(0);
    }

    /** fleet.yaml with maintain settings for tests (no backoff, two restarts a day), backups every {@code every}. */
    void settings(String every) {
        Path yaml = root.resolve("fleet.yaml");
        String base = read(yaml).replaceAll("(?s)\n# maintain-test.*", "").replaceAll("\n  every: .*", "");
        if (!every.isEmpty()) {
            base = base.replace("\nbackups:\n", "\nbackups:\n  every: " + every + "\n");
        }
        write(
                yaml,
                base + "\n# maintain-test\nmaintain:\n  restartsPerDay: 2\n  backoff: 0s\nnotify:\n  json:"
                        + " [http://127.0.0.1:" + hook.getAddress().getPort() + "/hook]\n");
    }

    FakeEngine.Box a() {
        return engine.byName(container("a")).orElseThrow();
    }

    Cli.Result maintain(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--wait-timeout", "1s"));
        args.addAll(List.of(more));
        return run("maintain", args.toArray(String[]::new));
    }

    @Test
    void anExitedInstanceIsRestartedAndTheChangeIsSentOnce() {
        a().state = ContainerState.EXITED;
        a().exitCode = 137;
        Cli.Result r = maintain();
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("done")
                .contains("a was exited (exit 137); restarted (1 of 2 today), healthy again");
        assertThat(a().state).isEqualTo(ContainerState.RUNNING);
        assertThat(received).hasSize(1);
        assertThat(received.get(0)).contains("\"state\":\"ok\"").contains("restarted");

        Cli.Result again = maintain();
        assertThat(again.code()).isZero();
        assertThat(received).as("nothing changed: nothing sent").hasSize(1);
        JsonNode last =
                json(read(Journal.file(fleet())).lines().reduce((x, y) -> y).orElseThrow());
        assertThat(last.path("command").get(0).asText()).isEqualTo("maintain");
    }

    @Test
    void aCrashLoopIsRestartedUpToItsBudgetThenLeftAloneAndReportedOnce() {
        engine.behave("a", FakeEngine.Behaviour.UNHEALTHY);
        engine.startLog = List.of();
        ok("restart", "a", "--no-wait");
        Cli.Result first = maintain();
        assertThat(first.code()).isEqualTo(4);
        assertThat(first.out()).contains("restarted (1 of 2 today) but it is");
        Cli.Result second = maintain();
        assertThat(second.out()).contains("restarted (2 of 2 today) but it is");
        long restarts = engine.changesTo(container("a")).stream()
                .filter(c -> c.startsWith("restart"))
                .count();
        Cli.Result third = maintain();
        assertThat(third.code()).isEqualTo(4);
        assertThat(third.out()).contains("gave up healing after 2 restarts in 24 h");
        assertThat(engine.changesTo(container("a")).stream()
                        .filter(c -> c.startsWith("restart"))
                        .count())
                .as("not hammered")
                .isEqualTo(restarts);
        maintain();
        assertThat(received.stream().filter(m -> m.contains("gave up")).count())
                .as("given up is said once")
                .isEqualTo(1);
    }

    @Test
    void anInstanceStoppedOnPurposeIsLeftAlone() {
        ok("stop", "a");
        List<String> before = List.copyOf(engine.changesTo(container("a")));
        Cli.Result r = maintain();
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(engine.changesTo(container("a"))).isEqualTo(before);
        assertThat(a().state).isEqualTo(ContainerState.EXITED);
    }

    @Test
    void aDueBackupIsTakenAnUndueOneIsNotAndACorruptedArchiveIsCaughtByTheRotation() throws IOException {
        settings("1h");
        Cli.Result first = maintain();
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(first.out()).contains("backed up to");
        assertThat(archives()).hasSize(1);
        Cli.Result second = maintain();
        assertThat(second.out()).doesNotContain("backed up to");
        assertThat(archives()).hasSize(1);

        Path archive = archives().get(0);
        byte[] b = Files.readAllBytes(archive);
        b[b.length / 2] ^= 0x5a;
        Files.write(archive, b);
        Cli.Result third = maintain();
        assertThat(third.code()).isEqualTo(4);
        assertThat(third.out()).contains("verify").contains("does not verify");
        assertThat(received.stream().filter(m -> m.contains("does not verify")).count())
                .isEqualTo(1);
    }

    @Test
    void pruneRunsByThePolicy() throws Exception {
        for (int i = 0; i < 3; i++) {
            ok("backup", "a", "--mode", "online");
            Thread.sleep(1100); // one archive a second
        }
        Path yaml = root.resolve("fleet.yaml");
        write(yaml, read(yaml).replaceAll("(?s)  keep:\n(    \\w+: \\d+\n)+", "  keep:\n    last: 1\n"));
        assertThat(archives()).hasSize(3);
        Cli.Result dry = ok("backup", "prune", "--dry-run");
        long wouldRemove =
                dry.out().lines().filter(l -> l.startsWith("would remove ")).count();
        assertThat(wouldRemove).as(dry.out()).isPositive();
        Cli.Result r = maintain();
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("removed " + wouldRemove + " backup(s)");
        assertThat(archives()).hasSize(3 - (int) wouldRemove);
    }

    @Test
    void aDiskThresholdCrossedIsReportedOnceAndItsClearingToo() {
        Path yaml = root.resolve("fleet.yaml");
        write(yaml, read(yaml).replace("  backoff: 0s\n", "  backoff: 0s\n  disk:\n    warn: 1\n    critical: 1\n"));
        Cli.Result r = maintain();
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out()).contains("disk").contains("critical at 1%");
        maintain();
        assertThat(received.stream().filter(m -> m.contains("critical at 1%")).count())
                .isEqualTo(1);
        settings("");
        assertThat(maintain().code()).isZero();
        assertThat(received.get(received.size() - 1)).contains("cleared");
    }

    @Test
    void dryRunChangesNothing() {
        settings("1h");
        a().state = ContainerState.EXITED;
        Map<String, String> before = snapshot();
        List<String> calls = List.copyOf(engine.changesTo(container("a")));
        Cli.Result r = maintain("--dry-run");
        assertThat(r.out()).contains("would restart it").contains("would back it up");
        assertThat(engine.changesTo(container("a"))).isEqualTo(calls);
        assertThat(a().state).isEqualTo(ContainerState.EXITED);
        assertUnchanged(before, "a dry run");
        assertThat(received).isEmpty();
    }

    @Test
    void aFailingWebhookNeverFailsTheRun() {
        hook.stop(0);
        a().state = ContainerState.EXITED;
        Cli.Result r = maintain();
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("notify");
    }

    @Test
    void aChangeNoTargetReceivedIsSentAgainOnceOneCan() throws IOException {
        Path yaml = root.resolve("fleet.yaml");
        write(yaml, read(yaml).replace("  backoff: 0s\n", "  backoff: 0s\n  disk:\n    warn: 1\n    critical: 1\n"));
        int port = hook.getAddress().getPort();
        hook.stop(0);
        assertThat(maintain().code()).isEqualTo(4);
        assertThat(received).isEmpty();
        hook = receiver(port);
        maintain();
        assertThat(received.stream().filter(m -> m.contains("critical at 1%")).count())
                .as("sent once the receiver is back")
                .isEqualTo(1);
        maintain();
        assertThat(received.stream().filter(m -> m.contains("critical at 1%")).count())
                .as("and not again")
                .isEqualTo(1);
    }

    List<Path> archives() throws IOException {
        Path d = root.resolve("backups/a");
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.toString().endsWith(".tar.zst")).sorted().toList();
        }
    }
}
