package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.FakeEngine;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** status for monitoring: its exit code and every column say what really runs. */
class StatusTruthTest extends FakeFleet {
    @BeforeEach
    void aFleetOfTwo() {
        engine.healthyAfter = Duration.ZERO;
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "b", "--env", "OPENAI_API_KEY=sk-b");
        ok("up");
    }

    JsonNode row(String name) {
        Cli.Result r = run("status", "--json");
        for (JsonNode n : json(r.out())) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no row " + name + " in\n" + r);
    }

    FakeEngine.Box box(String instance) {
        return engine.byName(container(instance)).orElseThrow();
    }

    @Test
    void allRunningAndHealthyIsExitZero() {
        Cli.Result r = run("status");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out()).contains("running").contains("healthy");
    }

    @Test
    void anInstanceCreatedButNeverStartedIsNotFine() {
        box("a").state = ContainerState.CREATED;
        assertThat(run("status").code()).isEqualTo(4);
        assertThat(row("a").path("state").asText()).isEqualTo("created");
        assertThat(row("a").path("health").asText()).isEqualTo("-");
    }

    @Test
    void aContainerGoneAfterUpAskedForItIsNotFine() {
        engine.remove(box("a").id);
        Cli.Result r = run("status");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out()).contains("not created").contains("agentctl up a");
        assertThat(row("a").path("desired").asText()).isEqualTo("running");
    }

    @Test
    void anInstanceNeverUppedIsNotAProblem() {
        ok("create", "c", "--env", "OPENAI_API_KEY=sk-c");
        assertThat(run("status").code()).isZero();
        assertThat(row("c").path("state").asText()).isEqualTo("not created");
    }

    @Test
    void anOrphanContainerIsNotFine() {
        Map<String, String> labels = new HashMap<>(box("a").labels);
        labels.put(ContainerSpec.LABEL_INSTANCE, "gone");
        engine.add(container("gone"), labels, ContainerState.RUNNING);
        Cli.Result r = run("status");
        assertThat(r.code()).isEqualTo(4);
        assertThat(row("gone").path("state").asText()).isEqualTo("orphan");
        assertThat(row("gone").path("pending").toString()).contains("agentctl down --remove-orphans");
    }

    @Test
    void anInstanceStoppedOnPurposeShowsStoppedWithNoHealthAndIsNotAnAlarm() {
        ok("stop", "a");
        Cli.Result r = run("status");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(row("a").path("state").asText()).isEqualTo("stopped");
        assertThat(row("a").path("health").asText()).isEqualTo("-");
        ok("start", "a");
        assertThat(row("a").path("state").asText()).isEqualTo("running");
    }

    @Test
    void aPausedContainerHasNoHealthAndIsAnAlarm() {
        engine.pause(box("a").id);
        assertThat(run("status").code()).isEqualTo(4);
        assertThat(row("a").path("state").asText()).isEqualTo("paused");
        assertThat(row("a").path("health").asText()).isEqualTo("-");
    }

    @Test
    void aCrashedContainerShowsItsLastExitCode() {
        box("a").state = ContainerState.EXITED;
        box("a").exitCode = 1;
        Cli.Result r = run("status");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out()).contains("exited (exit 1)");
        assertThat(row("a").path("exitCode").asInt()).isEqualTo(1);
    }

    @Test
    void portMemoryAndModelAreWhatRunsAndPendingSaysWhatUpWouldChange() {
        int port = row("a").path("port").asInt();
        int other = port + 50;
        ok("set", "a", "--memory", "300m", "--model", "gpt-4o", "--port", Integer.toString(other));
        JsonNode a = row("a");
        assertThat(a.path("port").asInt()).as("the running container's port").isEqualTo(port);
        assertThat(a.path("memoryLimitBytes").asLong()).isEqualTo(1L << 30);
        assertThat(a.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(a.path("pending").toString())
                .contains("memory")
                .contains("ports")
                .contains("config.json")
                .contains("agentctl up a");
        Cli.Result table = run("status");
        assertThat(table.out()).contains("agentctl up a");
        ok("up", "a");
        JsonNode after = row("a");
        assertThat(after.path("port").asInt()).isEqualTo(other);
        assertThat(after.path("model").asText()).isEqualTo("gpt-4o");
        assertThat(after.path("pending").size()).isZero();
    }

    @Test
    void quietAndTemplateForms() {
        assertThat(run("status", "-q", "--no-stats").out()).isEqualTo("a\nb\n");
        Cli.Result t = run("status", "--no-stats", "--format", "{{.name}}={{.state}}");
        assertThat(t.out()).isEqualTo("a=running\nb=running\n");
        Cli.Result bad = run("status", "--format", "{{.nosuch}}");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("no field 'nosuch'");
    }

    @Test
    void aFleetContainerLeftAsideByAKilledRecreateIsNotTheInstancesState() {
        Map<String, String> labels = new HashMap<>(box("a").labels);
        engine.add(container("a") + "-replaced-0123456789ab", labels, ContainerState.EXITED);
        assertThat(run("status").code()).isZero();
        assertThat(row("a").path("state").asText()).isEqualTo("running");
    }
}
