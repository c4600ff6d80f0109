package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.FakeEngine;
import dev.agentctl.fleet.Instance;
import dev.agentctl.ops.UpPlan.Action;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.support.FakeFleet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** up's executor on the fake engine: what it does to containers, in which order, and what it leaves behind. */
class UpExecutorTest extends FakeFleet {
    final List<String> events = new CopyOnWriteArrayList<>();

    UpService service() {
        return new UpService(
                fleet(), containers(), (i, what) -> events.add(i + ": " + what), engine.clock, engine.sleeper());
    }

    List<UpExecutor.Outcome> up(String... names) {
        return up(new AtomicBoolean(), names);
    }

    List<UpExecutor.Outcome> up(AtomicBoolean cancel, String... names) {
        List<Instance> instances = names.length == 0
                ? fleet().instances()
                : java.util.Arrays.stream(names).map(n -> fleet().load(n)).toList();
        return service()
                .up(instances, new UpService.Options(true, Duration.ofMinutes(2), Duration.ofSeconds(45)), cancel);
    }

    void instances(String... names) {
        for (String n : names) {
            ok("create", n, "--env", "OPENAI_API_KEY=sk-" + n);
        }
    }

    @Test
    void createsStartsAndWaitsForHealthThenAnotherUpChangesNothing() {
        instances("a", "b");
        List<UpExecutor.Outcome> first = up();
        assertThat(first)
                .allMatch(UpExecutor.Outcome::ok)
                .extracting(UpExecutor.Outcome::action)
                .containsOnly(Action.CREATE);
        assertThat(engine.byName(container("a")).orElseThrow().state).isEqualTo(ContainerState.RUNNING);
        assertThat(engine.byName(container("a")).orElseThrow().env).containsEntry("OPENAI_API_KEY", "sk-a");
        assertThat(events).contains("a: creating", "a: healthy", "b: creating", "b: healthy");

        engine.calls.clear();
        List<UpExecutor.Outcome> again = up();
        assertThat(again).extracting(UpExecutor.Outcome::action).containsOnly(Action.LEAVE);
        assertThat(engine.calls)
                .noneMatch(c -> c.startsWith("create")
                        || c.startsWith("start")
                        || c.startsWith("stop")
                        || c.startsWith("remove"));
    }

    @Test
    void driftRecreatesOnlyTheChangedInstanceKeepingTheOldOneAsideUntilTheNewOneStarted() {
        instances("a", "b");
        up();
        String oldA = engine.byName(container("a")).orElseThrow().id;
        String oldB = engine.byName(container("b")).orElseThrow().id;
        ok("set", "a", "--memory", "300m");
        engine.calls.clear();
        List<UpExecutor.Outcome> out = up();
        assertThat(out)
                .filteredOn(o -> o.instance().equals("a"))
                .singleElement()
                .satisfies(o -> assertThat(o.action()).isEqualTo(Action.RECREATE))
                .satisfies(o -> assertThat(o.reasons()).containsExactly("memory"));
        assertThat(engine.byName(container("b")).orElseThrow().id).isEqualTo(oldB);
        assertThat(engine.byName(container("a")).orElseThrow().id).isNotEqualTo(oldA);
        assertThat(engine.byName(container("a")).orElseThrow().memory).isEqualTo(300L << 20);
        // the order that keeps a way back: stop, rename aside, create, start, and only then remove the old one
        assertThat(engine.changesTo(container("a")))
                .containsExactly(
                        "stop " + container("a"),
                        "rename " + container("a") + " " + container("a") + "-replaced-" + oldA.substring(0, 12),
                        "create " + container("a"),
                        "start " + container("a"),
                        "remove " + container("a") + "-replaced-" + oldA.substring(0, 12));
    }

    @Test
    void aRecreateWhoseNewContainerCannotStartPutsTheOldOneBackRunning() {
        instances("a");
        up();
        String oldA = engine.byName(container("a")).orElseThrow().id;
        ok("set", "a", "--memory", "300m");
        engine.failNext(
                "start",
                container("a"),
                new EngineException(
                        EngineException.Kind.FAILED,
                        "starting " + container("a") + ": port 127.0.0.1:18790 is already in use on this host"));
        List<UpExecutor.Outcome> out = up();
        assertThat(out.get(0).ok()).isFalse();
        assertThat(out.get(0).result()).contains("port 127.0.0.1:18790 is already in use");
        FakeEngine.Box a = engine.byName(container("a")).orElseThrow();
        assertThat(a.id).as("the old container is back under its name").isEqualTo(oldA);
        assertThat(a.state).isEqualTo(ContainerState.RUNNING);
        assertThat(engine.boxes()).hasSize(1);
    }

    @Test
    void onlyAConfigChangeRestartsTheSameContainerAndRemembersWhatItStartedWith() {
        instances("a");
        up();
        String id = engine.byName(container("a")).orElseThrow().id;
        ok("set", "a", "--model", "gpt-4o");
        assertThat(up().get(0).action()).isEqualTo(Action.RESTART);
        assertThat(engine.byName(container("a")).orElseThrow().id).isEqualTo(id);
        assertThat(engine.calls("restart")).containsExactly("restart " + container("a"));
        assertThat(up().get(0).action()).as("the restart is remembered").isEqualTo(Action.LEAVE);
        assertThat(new dev.agentctl.fleet.FleetState(fleet()).get("a").model()).isEqualTo("gpt-4o");
    }

    @Test
    void aRuntimeRollFailingItsHealthIsRolledBackAndStopsTheRoll() {
        instances("a", "b");
        up();
        runtime("B");
        engine.behave("a", FakeEngine.Behaviour.UNHEALTHY);
        List<UpExecutor.Outcome> out = up();
        UpExecutor.Outcome a =
                out.stream().filter(o -> o.instance().equals("a")).findFirst().orElseThrow();
        UpExecutor.Outcome b =
                out.stream().filter(o -> o.instance().equals("b")).findFirst().orElseThrow();
        assertThat(a.action()).isEqualTo(Action.ROLL);
        assertThat(a.ok()).isFalse();
        assertThat(a.rolledBack()).isTrue();
        assertThat(engine.byName(container("a")).orElseThrow().labels)
                .containsEntry(ContainerSpec.LABEL_RUNTIME, "venv-A");
        assertThat(b.action()).isEqualTo(Action.LEAVE);
        assertThat(b.reasons()).containsExactly("roll stopped: an earlier instance failed");
        assertThat(engine.byName(container("b")).orElseThrow().labels)
                .containsEntry(ContainerSpec.LABEL_RUNTIME, "venv-A");
    }

    @Test
    void aHealthyRollMovesEveryInstanceOneAtATime() {
        instances("a", "b", "c");
        up();
        runtime("B");
        engine.startDelay = Duration.ofMillis(30);
        engine.maxInFlight.set(0);
        List<UpExecutor.Outcome> out = up();
        assertThat(out)
                .allMatch(UpExecutor.Outcome::ok)
                .extracting(UpExecutor.Outcome::action)
                .containsOnly(Action.ROLL);
        assertThat(engine.maxInFlight.get()).isEqualTo(1);
        for (String n : List.of("a", "b", "c")) {
            assertThat(engine.byName(container(n)).orElseThrow().labels)
                    .containsEntry(ContainerSpec.LABEL_RUNTIME, "venv-B");
        }
    }

    @Test
    void aNetworkThatCannotBeMadeFailsOnlyItsOwnInstance() {
        instances("a", "b", "c");
        String bNet = Networks.of(fleet(), fleet().load("b")).orElseThrow().name();
        engine.failNext(
                "network",
                bNet,
                new dev.agentctl.engine.EngineException(
                        dev.agentctl.engine.EngineException.Kind.REFUSED, "no free /24 left for the network " + bNet));
        List<UpExecutor.Outcome> out = up();
        assertThat(out).filteredOn(o -> !o.instance().equals("b")).allMatch(UpExecutor.Outcome::ok);
        UpExecutor.Outcome b =
                out.stream().filter(o -> o.instance().equals("b")).findFirst().orElseThrow();
        assertThat(b.ok()).isFalse();
        assertThat(b.result()).contains("no free /24 left for the network " + bNet);
        assertThat(engine.byName(container("b"))).isEmpty();
        assertThat(engine.byName(container("a")).orElseThrow().state).isEqualTo(ContainerState.RUNNING);
    }

    @Test
    void atMostParallelContainersAreStartedAtOnce() {
        for (int i = 0; i < UpService.PARALLEL + 4; i++) {
            instances("n" + i);
        }
        engine.startDelay = Duration.ofMillis(60);
        up();
        assertThat(engine.maxInFlight.get()).isBetween(2, UpService.PARALLEL);
    }

    @Test
    void anInstanceThatCrashesIsReportedWithItsLogsAndTheOthersComeUp() {
        instances("a", "b");
        engine.behave("a", FakeEngine.Behaviour.CRASHES);
        List<UpExecutor.Outcome> out = up();
        UpExecutor.Outcome a =
                out.stream().filter(o -> o.instance().equals("a")).findFirst().orElseThrow();
        assertThat(a.ok()).isFalse();
        assertThat(a.result()).isEqualTo("exited");
        assertThat(out.stream()
                        .filter(o -> o.instance().equals("b"))
                        .findFirst()
                        .orElseThrow()
                        .ok())
                .isTrue();
    }

    @Test
    void healthWaitingUsesTheClockNotTheWallAndGivesUpAtTheTimeout() {
        instances("a");
        engine.healthyAfter = Duration.ofMinutes(10);
        long t0 = System.nanoTime();
        List<UpExecutor.Outcome> out = up();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(out.get(0).ok()).isFalse();
        assertThat(out.get(0).result()).isEqualTo("timed out (starting)");
    }

    @Test
    void anInterruptedUpFinishesWhatItBeganAndStartsNothingElse() {
        instances("a", "b", "c", "d", "e", "f");
        AtomicBoolean cancel = new AtomicBoolean();
        // the first container to be created interrupts the run (as Ctrl-C would)
        List<String> begun = new ArrayList<>();
        UpService s = new UpService(
                fleet(),
                containers(),
                (i, what) -> {
                    if (what.equals("creating")) {
                        begun.add(i);
                        cancel.set(true);
                    }
                },
                engine.clock,
                engine.sleeper());
        List<UpExecutor.Outcome> out = s.up(
                fleet().instances(),
                new UpService.Options(true, Duration.ofMinutes(2), Duration.ofSeconds(45)),
                cancel);
        assertThat(out).hasSize(6);
        List<UpExecutor.Outcome> skipped = out.stream()
                .filter(o -> o.result().equals("not started: interrupted"))
                .toList();
        assertThat(skipped).isNotEmpty();
        assertThat(skipped.size() + begun.size()).isEqualTo(6);
        // nothing half-made: every container that exists was created and started by a step that began
        assertThat(engine.boxes().values()).allMatch(b -> b.state == ContainerState.RUNNING);
        assertThat(engine.boxes()).hasSizeLessThanOrEqualTo(begun.size());
    }

    @Test
    void anUnreachableEngineStopsEverything() {
        instances("a");
        engine.failNext(
                "create",
                container("a"),
                new EngineException(EngineException.Kind.UNREACHABLE, "cannot reach the Docker engine"));
        assertThatThrownBy(() -> up()).isInstanceOf(EngineException.class).hasMessageContaining("cannot reach");
    }

    @Test
    void aSameNamedContainerAgentctlDidNotMakeIsNeverTouched() {
        instances("a");
        engine.add(container("a"), Map.of("maintainer", "someone else"), ContainerState.RUNNING);
        UpExecutor.Outcome a = up().get(0);
        assertThat(a.ok()).isFalse();
        assertThat(a.result()).contains("agentctl did not make it");
        assertThat(engine.changesTo(container("a"))).isEmpty();
    }

    @Test
    void aContainerOfAnotherFleetRootWithTheSameNameIsNeverTouched() {
        instances("a");
        engine.add(
                container("a"),
                Map.of(
                        ContainerSpec.LABEL_FLEET,
                        fleetName,
                        ContainerSpec.LABEL_FLEET_ID,
                        "0000000000000000",
                        ContainerSpec.LABEL_INSTANCE,
                        "a",
                        ContainerSpec.LABEL_COMPOSE_WORKING_DIR,
                        "/elsewhere"),
                ContainerState.RUNNING);
        UpExecutor.Outcome a = up().get(0);
        assertThat(a.ok()).isFalse();
        assertThat(a.result())
                .contains("belongs to another fleet root named '" + fleetName + "'")
                .contains("/elsewhere");
        assertThat(engine.changesTo(container("a"))).isEmpty();
    }
}
