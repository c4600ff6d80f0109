package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.FakeEngine;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** backup's holds, restore --force and rm, on the fake engine: what they do to containers, and what they never do. */
class ServicesOnFakeTest extends FakeFleet {
    @BeforeEach
    void aRunningInstance() {
        engine.healthyAfter = Duration.ZERO;
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("up");
    }

    FakeEngine.Box a() {
        return engine.byName(container("a")).orElseThrow();
    }

    @Test
    void aPauseBackupPausesOnlyWhileReadingAndAlwaysGivesBack() {
        Cli.Result r = ok("backup", "a");
        assertThat(r.out()).contains("pause held the container for");
        assertThat(engine.changesTo(container("a")))
                .containsSubsequence("pause " + container("a"), "unpause " + container("a"));
        assertThat(a().state).isEqualTo(ContainerState.RUNNING);
        assertThat(new Holds(fleet()).all()).as("no hold record is left").isEmpty();
    }

    @Test
    void aBackupThatFailsWhileHoldingStillGivesTheContainerBack() throws Exception {
        Path backups = root.resolve("backups");
        Files.createDirectories(backups);
        Files.writeString(backups.resolve("a"), "a file where the folder should be");
        Cli.Result r = run("backup", "a");
        assertThat(r.code()).isEqualTo(1);
        assertThat(a().state).isEqualTo(ContainerState.RUNNING);
        assertThat(new Holds(fleet()).all()).isEmpty();
    }

    @Test
    void aHoldLeftByAKilledRunIsGivenBackByTheNextCommandThatReachesTheEngine() throws Exception {
        engine.pause(a().id);
        // what a run killed while pausing leaves: the record, written before the pause, of a process now gone
        Path holds = Files.createDirectories(root.resolve(".agentctl/holds"));
        Files.writeString(
                holds.resolve(a().id + ".json"),
                "{\"container\":\"" + a().id + "\",\"instance\":\"a\","
                        + "\"mode\":\"PAUSE\",\"pid\":999999999,\"started\":\"2026-01-01T00:00:00Z\",\"since\":\"2026-12-01T10:00:00Z\"}");
        Cli.Result r = run("status");
        assertThat(r.err()).contains("note: unpaused a (a killed agentctl, pid 999999999, paused it for a backup");
        assertThat(a().state).isEqualTo(ContainerState.RUNNING);
        assertThat(r.code()).isZero();
        assertThat(holds).isEmptyDirectory();
    }

    @Test
    void aHoldOfARunStillAliveIsNotTouched() throws Exception {
        engine.pause(a().id);
        new Holds(fleet()).record(a().id, "a", Holds.Mode.PAUSE); // this very process holds it
        run("status");
        assertThat(a().state).isEqualTo(ContainerState.PAUSED);
    }

    @Test
    void aRefusedRestoreForceStopsNothing() throws Exception {
        ok("backup", "a", "--mode", "online");
        Path archive;
        try (var s = Files.list(root.resolve("backups/a"))) {
            archive =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(archive, bytes);
        Map<String, String> before = snapshot();
        engine.calls.clear();
        Cli.Result r = run("restore", archive.toString(), "--force");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("refusing to restore").contains("nothing was changed");
        assertThat(engine.changesTo(container("a"))).isEmpty();
        assertThat(a().state).isEqualTo(ContainerState.RUNNING);
        assertUnchanged(before, "a refused restore --force");
    }

    @Test
    void rmWithTheEngineUnreachableChangesNothing() {
        Map<String, String> before = snapshot();
        engine.reachable = false;
        Cli.Result r = run("rm", "a", "--yes");
        assertThat(r.code()).isEqualTo(3);
        assertUnchanged(before, "rm with no engine");
        engine.reachable = true;
        assertThat(a().state).isEqualTo(ContainerState.RUNNING);
    }

    @Test
    void rmRefusesASameNamedContainerItDidNotMakeAndTouchesNothing() {
        engine.remove(a().id);
        engine.add(container("a"), Map.of("owner", "someone else"), ContainerState.RUNNING);
        Map<String, String> before = snapshot();
        engine.calls.clear();
        Cli.Result r = run("rm", "a", "--yes");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("agentctl did not make it");
        assertThat(engine.changesTo(container("a"))).isEmpty();
        assertUnchanged(before, "rm refused");
    }

    @Test
    void everyCommandLeavesAForeignSameNamedContainerAlone() {
        engine.remove(a().id);
        FakeEngine.Box foreign = engine.add(container("a"), Map.of("owner", "someone else"), ContainerState.RUNNING);
        engine.calls.clear();
        for (List<String> cmd : List.of(
                List.of("up"),
                List.of("backup", "a"),
                List.of("stop", "a"),
                List.of("restart", "a"),
                List.of("down", "a"),
                List.of("start", "a"),
                List.of("logs", "a"),
                List.of("exec", "a", "--", "true"),
                List.of("port", "a"))) {
            Cli.Result r = run(cmd.get(0), cmd.subList(1, cmd.size()).toArray(String[]::new));
            assertThat(r.code()).as(cmd + "\n" + r).isNotZero();
            assertThat(r.err()).as(cmd.toString()).contains("agentctl did not make it");
        }
        assertThat(engine.changesTo(container("a"))).isEmpty();
        assertThat(foreign.state).isEqualTo(ContainerState.RUNNING);
    }

    @Test
    void anUnreachableEngineDuringAPauseBackupIsExit3AfterEverythingWasTried() {
        engine.failNext(
                "pause",
                container("a"),
                new EngineException(EngineException.Kind.UNREACHABLE, "cannot reach the Docker engine (fake)"));
        Cli.Result r = run("backup", "a");
        assertThat(r.code()).isEqualTo(AgentctlException.ENGINE_UNREACHABLE);
    }
}
