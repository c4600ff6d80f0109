package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A second agentctl says at once that it waits, for whom, and gives up naming the holder. */
class LockTest extends FleetTestBase {
    @Test
    void waitingIsSaidAtOnceNamingTheHolderThenExit5() {
        Map<String, String> before = snapshot();
        try (FleetLock held = FleetLock.acquire(Fleet.open(root), Duration.ZERO, "agentctl backup", m -> {})) {
            long t0 = System.nanoTime();
            Cli.Result r = run("create", "alice", "--wait", "1s");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
            assertThat(r.code()).isEqualTo(5);
            String pid = Long.toString(ProcessHandle.current().pid());
            assertThat(r.errLines().get(0))
                    .contains("waiting for the fleet lock, held by pid " + pid + " (agentctl backup) since ")
                    .contains("up to 1 s");
            assertThat(r.errLines().get(1))
                    .contains("another agentctl is working on the fleet")
                    .contains("pid " + pid + " (agentctl backup)")
                    .contains("--wait");
        }
        assertUnchanged(before, "a create that waited for the lock and gave up");
    }

    @Test
    void noWaitGivesUpAtOnce() {
        try (FleetLock held = FleetLock.acquire(Fleet.open(root), Duration.ZERO, "agentctl up", m -> {})) {
            long t0 = System.nanoTime();
            Cli.Result r = run("create", "alice", "--no-wait");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(900));
            assertThat(r.code()).isEqualTo(5);
            assertThat(r.errLines()).hasSize(1);
            assertThat(r.err()).contains("(agentctl up)");
        }
    }

    @Test
    void aMalformedWaitIsBadInputNamingTheOption() {
        Cli.Result r = run("create", "alice", "--wait", "soon");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("invalid --wait 'soon'");
    }

    @Test
    void theLockIsFreeAgainAfterACommand() {
        ok("create", "alice");
        try (FleetLock again = FleetLock.acquire(Fleet.open(root), Duration.ZERO, "test", m -> {})) {
            assertThat(again).isNotNull();
        }
    }
}
