package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.fleet.Instance;
import dev.agentctl.ops.UpPlan.Action;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.RuntimeRef;
import dev.agentctl.spec.SpecBuilder;
import dev.agentctl.spec.SpecHash;
import dev.agentctl.support.FakeFleet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The planner alone: desired specs and observed containers in, one step per instance with its reasons out. */
class UpPlanTest extends FakeFleet {
    @BeforeEach
    void twoInstances() {
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "b", "--env", "OPENAI_API_KEY=sk-b");
    }

    private ContainerSpec spec(String name) {
        return SpecBuilder.build(fleet(), fleet().load(name));
    }

    /** A container as the engine would show one made from {@code spec}. */
    private static ContainerInfo observed(ContainerSpec spec, ContainerState state) {
        return new ContainerInfo(
                "id-" + spec.instance() + "-0123456789ab",
                spec.containerName(),
                spec.image(),
                state,
                dev.agentctl.engine.Health.HEALTHY,
                null,
                null,
                0,
                null,
                false,
                spec.engineLabels(),
                "",
                List.of(),
                spec.memoryBytes(),
                spec.cpus());
    }

    private UpPlan.Step only(ContainerSpec desired, ContainerInfo seen) {
        return UpPlan.plan(
                        List.of(new UpPlan.Desired(desired.instance(), desired, null)),
                        seen == null ? Map.of() : Map.of(desired.instance(), seen),
                        Map.of())
                .steps()
                .get(0);
    }

    @Test
    void aMissingContainerIsCreated() {
        UpPlan.Step s = only(spec("a"), null);
        assertThat(s.action()).isEqualTo(Action.CREATE);
        assertThat(s.reasons()).containsExactly("not created");
    }

    @Test
    void aMatchingRunningContainerIsLeftAlone() {
        ContainerSpec a = spec("a");
        assertThat(only(a, observed(a, ContainerState.RUNNING)).action()).isEqualTo(Action.LEAVE);
    }

    @Test
    void eachStateHasItsStep() {
        ContainerSpec a = spec("a");
        assertThat(only(a, observed(a, ContainerState.EXITED)).action()).isEqualTo(Action.START);
        assertThat(only(a, observed(a, ContainerState.CREATED)).action()).isEqualTo(Action.START);
        assertThat(only(a, observed(a, ContainerState.PAUSED)).action()).isEqualTo(Action.UNPAUSE);
        assertThat(only(a, observed(a, ContainerState.RESTARTING)).action()).isEqualTo(Action.LEAVE);
    }

    @Test
    void aChangedSettingRecreatesAndNamesTheSetting() {
        ContainerInfo before = observed(spec("a"), ContainerState.RUNNING);
        ok("set", "a", "--memory", "300m");
        UpPlan.Step s = only(spec("a"), before);
        assertThat(s.action()).isEqualTo(Action.RECREATE);
        assertThat(s.reasons()).containsExactly("memory");
    }

    @Test
    void aNewSecretRecreatesTooBecauseTheEnvironmentIsSetAtCreation() {
        ContainerInfo before = observed(spec("a"), ContainerState.RUNNING);
        ok("set", "a", "--env", "OPENAI_API_KEY=sk-other");
        assertThat(only(spec("a"), before).reasons()).containsExactly("env_file");
    }

    @Test
    void aNewRuntimeBuildIsARollWithAFallbackOnTheOldOne() {
        Instance a = fleet().load("a");
        ContainerSpec old = spec("a");
        ContainerInfo before = observed(old, ContainerState.RUNNING);
        runtime("B");
        ContainerSpec next = SpecBuilder.build(fleet(), a);
        ContainerSpec fallback = SpecBuilder.build(fleet(), a, RuntimeRef.of(fleet(), root.resolve("runtime/venv-A")));
        UpPlan.Step s = UpPlan.plan(List.of(new UpPlan.Desired("a", next, fallback)), Map.of("a", before), Map.of())
                .steps()
                .get(0);
        assertThat(s.action()).isEqualTo(Action.ROLL);
        assertThat(s.reasons()).contains("image", "mounts");
        assertThat(s.fallback().hash()).isEqualTo(old.hash());
    }

    @Test
    void onlyAChangedConfigJsonIsARestart() {
        ContainerInfo before = observed(spec("a"), ContainerState.RUNNING);
        ok("set", "a", "--model", "gpt-4o");
        UpPlan.Step s = only(spec("a"), before);
        assertThat(s.action()).isEqualTo(Action.RESTART);
        assertThat(s.reasons()).containsExactly("config.json changed");
    }

    @Test
    void theConfigAContainerWasRestartedWithIsRememberedBeyondItsLabel() {
        ContainerInfo before = observed(spec("a"), ContainerState.RUNNING);
        ok("set", "a", "--model", "gpt-4o");
        ContainerSpec now = spec("a");
        UpPlan.Step s = UpPlan.plan(
                        List.of(new UpPlan.Desired("a", now, null)),
                        Map.of("a", before),
                        Map.of(before.id(), now.configDigest()))
                .steps()
                .get(0);
        assertThat(s.action()).as("restarted with this config already").isEqualTo(Action.LEAVE);
    }

    @Test
    void aContainerLabelledByTheOldHashSchemeIsNotRecreated() {
        ContainerSpec a = spec("a");
        ContainerSpec legacy = a.withHashScheme(SpecHash.LEGACY);
        assertThat(legacy.hash()).isNotEqualTo(a.hash());
        assertThat(only(a, observed(legacy, ContainerState.RUNNING)).action()).isEqualTo(Action.LEAVE);
        // and a real change is still seen through the old labels, named as such
        ok("set", "a", "--cpus", "0.5");
        UpPlan.Step s = only(spec("a"), observed(legacy, ContainerState.RUNNING));
        assertThat(s.action()).isEqualTo(Action.RECREATE);
        assertThat(s.reasons()).containsExactly("cpus");
    }

    @Test
    void theParallelPartLeavesRollsForLater() {
        Instance a = fleet().load("a");
        ContainerInfo aBefore = observed(spec("a"), ContainerState.RUNNING);
        runtime("B");
        UpPlan.Plan p = UpPlan.plan(
                List.of(
                        new UpPlan.Desired("a", SpecBuilder.build(fleet(), a), null),
                        new UpPlan.Desired("b", spec("b"), null)),
                Map.of("a", aBefore),
                Map.of());
        assertThat(p.parallel()).extracting(UpPlan.Step::instance).containsExactly("b");
        assertThat(p.rolls()).extracting(UpPlan.Step::instance).containsExactly("a");
    }
}
