package dev.agentctl.it;

import static dev.agentctl.it.FleetRun.awaitHealthy;
import static dev.agentctl.it.FleetRun.ids;
import static dev.agentctl.it.FleetRun.status;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The daily use against the real engine, on one fleet of three instances (a, b, c) taken through its life in
 * order: up, up again, a changed memory limit, stop/start, a killed agent process, logs and exec, an orphan
 * container, rm, down.
 */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetLifecycleIT {
    static final Duration HEALTHY_WITHIN = Duration.ofSeconds(60);
    static EngineFleet fleet;

    @BeforeAll
    static void fleetWithThreeInstances() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itlife", "a", "b", "c");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    @Test
    @Order(1)
    void upBringsThreeInstancesUpHealthyOnLoopbackPorts() {
        Cli.Result up = fleet.expect(0, "up");
        assertThat(up.out())
                .contains("a: creating")
                .contains("b: creating")
                .contains("c: creating")
                .contains("3 instance(s), 3 changed, all healthy");

        Map<String, JsonNode> rows = status(fleet);
        assertThat(rows.keySet()).containsExactly("a", "b", "c");
        for (JsonNode row : rows.values()) {
            String n = row.path("name").asText();
            assertThat(row.path("state").asText()).as(n).isEqualTo("running");
            assertThat(row.path("health").asText()).as(n).isEqualTo("healthy");
            assertThat(row.path("memoryBytes").asLong())
                    .as(n + " memory in use")
                    .isPositive();
            assertThat(row.path("memoryLimitBytes").asLong())
                    .as(n + " memory limit")
                    .isEqualTo(256L << 20);
            assertThat(row.path("container").asText()).isEqualTo(fleet.container(n));
            EngineFleet.HttpResult h = EngineFleet.health(row.path("port").asInt());
            assertThat(h.status())
                    .as(n + " GET /health on 127.0.0.1:" + row.path("port"))
                    .isEqualTo(200);
            assertThat(h.body()).isEqualTo("{\"status\": \"ok\"}");
        }
        assertThat(rows.values().stream().map(r -> r.path("port").asInt()).distinct())
                .hasSize(3);
        // the status table agrees, and exits 0 when all is well
        Cli.Result table = fleet.expect(0, "status", "--no-stats");
        assertThat(table.out()).contains("NAME").contains("HEALTH").contains("RUNTIME");
        assertThat(table.out().lines().filter(l -> l.contains("healthy") && l.contains("current")))
                .hasSize(3);
    }

    @Test
    @Order(2)
    void upAgainChangesNothing() {
        Map<String, String> before = ids(fleet, "a", "b", "c");
        Cli.Result up = fleet.expect(0, "up");
        assertThat(up.out())
                .contains("3 instance(s), 0 changed")
                .doesNotContain("creating")
                .doesNotContain("recreating");
        assertThat(ids(fleet, "a", "b", "c")).isEqualTo(before);
    }

    @Test
    @Order(3)
    void aNewMemoryLimitRecreatesThatInstanceOnly() {
        Map<String, String> before = ids(fleet, "a", "b", "c");
        fleet.expect(0, "set", "b", "--memory", "300m");
        Cli.Result up = fleet.expect(0, "up");
        assertThat(up.out())
                .contains("b: recreating (changed: memory)")
                .contains("1 changed")
                .doesNotContain("a: recreating")
                .doesNotContain("c: recreating");

        Map<String, String> after = ids(fleet, "a", "b", "c");
        assertThat(after.get("a")).isEqualTo(before.get("a"));
        assertThat(after.get("c")).isEqualTo(before.get("c"));
        assertThat(after.get("b")).isNotNull().isNotEqualTo(before.get("b"));
        assertThat(fleet.inspect("b", "{{.HostConfig.Memory}}")).isEqualTo(Long.toString(300L << 20));
        assertThat(fleet.inspect("a", "{{.HostConfig.Memory}}")).isEqualTo(Long.toString(256L << 20));
        JsonNode b = status(fleet, "b").get("b");
        assertThat(b.path("health").asText()).isEqualTo("healthy");
        assertThat(b.path("memoryLimitBytes").asLong()).isEqualTo(300L << 20);
    }

    @Test
    @Order(4)
    void stopThenStart() {
        Map<String, String> before = ids(fleet, "a", "b", "c");
        Cli.Result stop = fleet.expect(0, "stop", "b");
        assertThat(stop.out()).contains("b: stopped");

        Map<String, JsonNode> rows = status(fleet, "--no-stats");
        assertThat(rows.get("b").path("state").asText())
                .as("stopped on purpose")
                .isEqualTo("stopped");
        assertThat(rows.get("b").path("health").asText()).isEqualTo("-");
        assertThat(rows.get("a").path("state").asText()).isEqualTo("running");
        assertThat(rows.get("c").path("state").asText()).isEqualTo("running");
        assertThat(EngineFleet.health(rows.get("b").path("port").asInt()).status())
                .as("stopped b answers nothing")
                .isEqualTo(-1);
        Cli.Result fine = fleet.cli("status", "--no-stats");
        assertThat(fine.code())
                .as("an instance stopped on purpose is no alarm\n" + fine)
                .isZero();
        Sh.run("docker", "stop", fleet.container("c"));
        Cli.Result bad = fleet.cli("status", "--no-stats");
        assertThat(bad.code())
                .as("status with an instance stopped behind agentctl's back\n" + bad)
                .isEqualTo(4);
        assertThat(bad.out().lines().filter(l -> l.startsWith("c ")).findFirst().orElseThrow())
                .contains("exited");
        fleet.expect(0, "start", "c");

        Cli.Result start = fleet.expect(0, "start", "b");
        assertThat(start.out()).contains("b: started");
        awaitHealthy(fleet, "b", HEALTHY_WITHIN);
        assertThat(ids(fleet, "a", "b", "c"))
                .as("stop/start keeps the containers")
                .isEqualTo(before);
        fleet.expect(0, "status", "--no-stats");
    }

    @Test
    @Order(5)
    void aKilledAgentProcessIsRestartedByThePolicyAndStatusCountsIt() {
        String id = FleetRun.id(fleet, "a");
        assertThat(status(fleet, "--no-stats", "a").get("a").path("restarts").asInt())
                .isZero();
        // pid 1 is the init (tini); the agent is its only child. SIGKILL it: init exits with it, the container
        // stops on its own (not by a user), and the restart policy starts it again.
        Sh.Result kill = Sh.run(
                "docker",
                "exec",
                fleet.container("a"),
                "sh",
                "-c",
                "pid=$(cat /proc/1/task/1/children); test -n \"$pid\" && kill -9 $pid");
        assertThat(kill.code()).as("kill the agent process: " + kill.err()).isZero();

        FleetRun.await("a restarted by the policy", Duration.ofSeconds(30), () -> {
            JsonNode row = status(fleet, "--no-stats", "a").get("a");
            return row.path("restarts").asInt() >= 1
                            && "running".equals(row.path("state").asText())
                    ? null
                    : row.toString();
        });
        awaitHealthy(fleet, "a", HEALTHY_WITHIN);
        JsonNode row = status(fleet, "--no-stats", "a").get("a");
        assertThat(row.path("restarts").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(FleetRun.id(fleet, "a")).as("restarted, not recreated").isEqualTo(id);
        Cli.Result table = fleet.expect(0, "status", "--no-stats", "a");
        assertThat(table.out()
                        .lines()
                        .filter(l -> l.startsWith("a "))
                        .findFirst()
                        .orElseThrow())
                .matches(".*healthy.*\\s[1-9]\\d*\\s+gpt-4o-mini\\s+current\\s+-");
    }

    @Test
    @Order(6)
    void logsAndExec() {
        Cli.Result logs = fleet.expect(0, "logs", "a", "--tail", "5");
        assertThat(logs.out()).contains("✓ Health endpoint: http://0.0.0.0:");
        assertThat(logs.out().lines().count()).isLessThanOrEqualTo(5);

        // --root goes before "--": everything after it is the command
        Cli.Result exit7 = Cli.at(fleet.root, "exec", "a", "--", "sh", "-c", "exit 7");
        assertThat(exit7.code()).as(exit7.toString()).isEqualTo(7);

        Cli.Result streams = Cli.at(fleet.root, "exec", "a", "--", "sh", "-c", "echo to-out; echo to-err >&2");
        assertThat(streams.code()).as(streams.toString()).isZero();
        assertThat(streams.out()).contains("to-out").doesNotContain("to-err");
        assertThat(streams.err()).contains("to-err");

        // docker exec's -u, -e and -w
        Cli.Result as = Cli.at(
                fleet.root,
                "exec",
                "-u",
                "0",
                "-e",
                "GREETING=hello there",
                "-w",
                "/tmp",
                "a",
                "--",
                "sh",
                "-c",
                "id -u; pwd; echo \"$GREETING\"");
        assertThat(as.code()).as(as.toString()).isZero();
        assertThat(as.out().lines().toList()).containsExactly("0", "/tmp", "hello there");

        // logs -n N and --tail all
        Cli.Result all = fleet.expect(0, "logs", "a", "--tail", "all");
        Cli.Result one = fleet.expect(0, "logs", "a", "-n", "1");
        assertThat(one.out().lines().count()).isEqualTo(1);
        assertThat(all.out().lines().count()).isGreaterThan(1);
        assertThat(all.out()).endsWith(one.out());
        Cli.Result badTail = fleet.cli("logs", "a", "--tail", "some");
        assertThat(badTail.code()).isEqualTo(2);
        assertThat(badTail.err()).contains("invalid --tail 'some'");
    }

    @Test
    @Order(6)
    void statusReadsAContainerBurningOneCoreAsNearAHundredPercent() throws InterruptedException {
        fleet.expect(0, "set", "a", "--cpus", "1");
        fleet.expect(0, "up", "a");
        String c = fleet.container("a");
        // a busy loop in the instance's container (a core's worth: its limit is now one CPU), ended with the test
        EngineFleet.Sh.Result burn = EngineFleet.Sh.run(
                "docker",
                "exec",
                "-d",
                c,
                "sh",
                "-c",
                "echo $$ > /tmp/burn.pid; exec timeout 60 sh -c 'while :; do :; done'");
        assertThat(burn.code()).as(burn.err()).isZero();
        try {
            Thread.sleep(1500);
            Map<String, JsonNode> rows = status(fleet);
            assertThat(rows.get("a").path("cpuPercent").asDouble())
                    .as("a, burning a core: " + rows.get("a"))
                    .isBetween(70.0, 110.0);
            assertThat(rows.get("b").path("cpuPercent").asDouble())
                    .as("b, idle: " + rows.get("b"))
                    .isBetween(0.0, 20.0);
        } finally {
            EngineFleet.Sh.run("docker", "exec", c, "sh", "-c", "kill $(cat /tmp/burn.pid)");
        }
    }

    @Test
    @Order(6)
    void portAndConfigSayWhatTheContainerIs() {
        int port = FleetRun.port(fleet, "a");
        Cli.Result p = fleet.expect(0, "port", "a");
        assertThat(p.out().strip()).isEqualTo(port + "/tcp -> 127.0.0.1:" + port);
        Cli.Result cfg = fleet.expect(0, "config", "a");
        assertThat(cfg.out())
                .contains("container_name: " + fleet.container("a"))
                .contains("127.0.0.1:" + port + ":" + port)
                .doesNotContain("sk-test");
        JsonNode spec = FleetRun.json(fleet.expect(0, "config", "a", "--json").out());
        assertThat(spec.path("containerName").asText()).isEqualTo(fleet.container("a"));
        assertThat(spec.path("memoryBytes").asLong()).isEqualTo(256L << 20);
        // what docker says the container is agrees with what config says agentctl would make
        assertThat(FleetRun.inspect(fleet, "a").at("/HostConfig/Memory").asLong())
                .isEqualTo(spec.path("memoryBytes").asLong());
    }

    @Test
    @Order(7)
    void aContainerWithTheFleetLabelButNoInstanceShowsAsOrphan() {
        String ghost = fleet.container("ghost");
        Sh.Result run = Sh.run(
                "docker",
                "run",
                "-d",
                "--name",
                ghost,
                "--network",
                "none",
                "--label",
                "dev.agentctl.fleet=" + fleet.name,
                "--label",
                "dev.agentctl.instance=ghost",
                "--label",
                "dev.agentctl.fleet-id=" + fleet.id(),
                fleet.image(),
                "sleep",
                "300");
        assertThat(run.code()).as("docker run ghost: " + run.err()).isZero();
        String ghostId = run.out().strip();
        try {
            Cli.Result alarm = fleet.cli("status", "--no-stats");
            assertThat(alarm.code())
                    .as("an orphan is something to look at\n" + alarm)
                    .isEqualTo(4);
            Map<String, JsonNode> rows = status(fleet, "--no-stats");
            assertThat(rows.keySet()).containsExactly("a", "b", "c", "ghost");
            assertThat(rows.get("ghost").path("state").asText()).isEqualTo("orphan");
            assertThat(rows.get("ghost").path("container").asText()).isEqualTo(ghost);
            Cli.Result table = fleet.cli("status", "--no-stats");
            assertThat(table.out()
                            .lines()
                            .filter(l -> l.startsWith("ghost "))
                            .findFirst()
                            .orElseThrow())
                    .contains("orphan");
            // down --remove-orphans takes it away (here beside a, which comes up again)
            fleet.expect(0, "down", "--remove-orphans", "a");
            assertThat(Sh.run("docker", "inspect", ghostId).code())
                    .as("the orphan is gone")
                    .isNotZero();
            fleet.expect(0, "up", "a");
        } finally {
            Sh.run("docker", "rm", "-f", ghostId);
        }
        assertThat(status(fleet, "--no-stats").keySet()).containsExactly("a", "b", "c");
    }

    @Test
    @Order(8)
    void rmRemovesTheInstanceAndItsContainer() {
        String cId = FleetRun.id(fleet, "c");
        Cli.Result rm = fleet.expect(0, "rm", "c", "--yes");
        assertThat(rm.out())
                .contains("Removed container " + fleet.container("c"))
                .contains("Removed c");
        assertThat(FleetRun.id(fleet, "c")).as("c's container after rm").isNull();
        assertThat(Sh.run("docker", "inspect", cId).code()).isNotZero();
        assertThat(status(fleet, "--no-stats").keySet())
                .as("no orphan left behind")
                .containsExactly("a", "b");
    }

    @Test
    @Order(9)
    void downRemovesTheContainersAndKeepsTheData() throws IOException {
        Path a = fleet.root.resolve("instances/a");
        Path history = a.resolve("workspace/memory/history.jsonl");
        assertThat(history).as("the agent wrote its workspace").isNotEmptyFile();
        Map<String, String> before = ids(fleet, "a", "b");

        Cli.Result down = fleet.expect(0, "down");
        assertThat(down.out())
                .contains("a: removed container " + fleet.container("a"))
                .contains("b: removed container " + fleet.container("b"));
        for (String id : before.values()) {
            assertThat(Sh.run("docker", "inspect", id).code())
                    .as("container " + id + " after down")
                    .isNotZero();
        }
        assertThat(Sh.run("docker", "ps", "-aq", "--filter", "label=dev.agentctl.fleet=" + fleet.name)
                        .out())
                .isBlank();

        assertThat(a.resolve("config/config.json")).isNotEmptyFile();
        assertThat(a.resolve(".env")).exists();
        assertThat(history).isNotEmptyFile();
        assertThat(Files.readAllLines(history)).anyMatch(l -> l.contains("heartbeat"));
        assertThat(fleet.root.resolve("instances/b/config/config.json")).isNotEmptyFile();

        Cli.Result st = fleet.expect(0, "status", "--json");
        Map<String, JsonNode> rows = status(fleet);
        assertThat(rows.keySet()).containsExactly("a", "b");
        rows.values().forEach(r -> assertThat(r.path("state").asText()).isEqualTo("not created"));
        assertThat(st.out()).contains("not created");
        assertThat(fleet.expect(0, "status").out()).contains("not created");
    }
}
