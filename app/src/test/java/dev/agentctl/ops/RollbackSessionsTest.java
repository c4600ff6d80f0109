package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.engine.ContainerState;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** runtime rollback across the session layout change, on the fake engine (the real one: AgentFidelityIT). */
class RollbackSessionsTest extends FakeFleet {
    @BeforeEach
    void aFleetOnMainWithA030BuildBefore() {
        engine.healthyAfter = Duration.ZERO;
        layout(root.resolve("runtime/venv-A"), "A", "0.3.0+standin", "workspace");
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "b", "--env", "OPENAI_API_KEY=sk-b");
        ok("up", "a");
        layout(runtime("B"), "B", "0.3.5+standin", "config");
    }

    void layout(Path build, String id, String version, String sessions) {
        write(
                build.resolve("agentctl-build.json"),
                "{\"id\": \"" + id + "\", \"image\": \"" + fleetName + "-runtime:" + id + "\", \"agentVersion\": \""
                        + version + "\", \"sessionLayout\": \"" + sessions + "\"}");
    }

    @Test
    void aPlainRollbackIsRefusedWithTheReason() {
        Cli.Result r = run("runtime", "rollback");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("0.3.0").contains("no history").contains("--move-sessions");
    }

    @Test
    void anUnreadableInstanceRefusesTheMoveBeforeAnythingIsStopped() {
        write(instance("b").resolve("config/config.json"), "{");
        List<String> before = List.copyOf(engine.changesTo(container("a")));
        Cli.Result r = run("runtime", "rollback", "--move-sessions");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("cannot carry the sessions of b back").contains("nothing was stopped");
        assertThat(engine.changesTo(container("a"))).isEqualTo(before);
        assertThat(engine.byName(container("a")).orElseThrow().state).isEqualTo(ContainerState.RUNNING);
    }
}
