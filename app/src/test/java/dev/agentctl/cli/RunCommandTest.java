package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** run: the instance's own container, less what only a long-running one needs, and the command's exit code. */
class RunCommandTest extends FakeFleet {
    @BeforeEach
    void anInstance() {
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a", "--memory", "300m");
    }

    @Test
    void aThrowawayContainerOfTheInstanceRunsTheCommandAndItsExitCodeIsAgentctls() {
        engine.runOutput = "standin reply to: hi\n";
        engine.runExit = 7;
        Cli.Result r = run("run", "a", "--", "nanobot", "agent", "-m", "hi");
        assertThat(r.code()).as(r.toString()).isEqualTo(7);
        assertThat(r.out()).isEqualTo("standin reply to: hi\n");
        ContainerSpec own = SpecBuilder.build(fleet(), fleet().load("a"));
        ContainerSpec ran = engine.runs.get(0);
        assertThat(ran.containerName()).matches(container("a") + "-run-[0-9a-f]{8}");
        assertThat(ran.command()).containsExactly("nanobot", "agent", "-m", "hi");
        assertThat(ran.ports()).isEmpty();
        assertThat(ran.restart()).isEqualTo("no");
        assertThat(ran.healthcheck().test()).containsExactly("NONE");
        // the same data, runtime, user, limits, hardening and network as its own container
        assertThat(ran.mounts()).isEqualTo(own.mounts());
        assertThat(ran.image()).isEqualTo(own.image());
        assertThat(ran.user()).isEqualTo(own.user());
        assertThat(ran.memoryBytes()).isEqualTo(300L << 20);
        assertThat(ran.readOnlyRootfs()).isEqualTo(own.readOnlyRootfs());
        assertThat(ran.capDrop()).isEqualTo(own.capDrop());
        assertThat(ran.securityOpt()).isEqualTo(own.securityOpt());
        assertThat(ran.network()).isEqualTo(own.network());
        assertThat(engine.boxes()).isEmpty(); // nothing left behind
    }

    @Test
    void aCommandThatOutlivesItsTimeoutExits124() {
        engine.runExit = ContainerEngine.TIMED_OUT;
        Cli.Result r = run("run", "--timeout", "2s", "a", "--", "sleep", "60");
        assertThat(r.code()).isEqualTo(124);
        assertThat(r.err()).contains("sleep 60 did not finish within 2s: it was killed");
    }

    @Test
    void badInputRunsNothing() {
        for (List<String> args : List.of(
                List.of("run", "a"),
                List.of("run", "nosuch", "--", "true"),
                List.of("run", "BAD", "--", "true"),
                List.of("run", "--timeout", "banana", "a", "--", "true"),
                List.of("run", "--timeout", "0s", "a", "--", "true"))) {
            Cli.Result r = run(args.get(0), args.subList(1, args.size()).toArray(String[]::new));
            assertThat(r.code()).as(args + "\n" + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
        }
        assertThat(engine.runs).isEmpty();
    }
}
