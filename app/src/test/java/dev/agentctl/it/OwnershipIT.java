package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.Engines;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.Networks;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import dev.agentctl.spec.SpecHash;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On a real engine: a same-named container agentctl did not make, and one of another fleet root with the same name,
 * are never paused, stopped or removed by any command; a container made by agentctl 0.1 (its hash scheme, no fleet
 * id) is recognised and left running as it is.
 */
@Tag("engine")
class OwnershipIT {
    static EngineFleet fleet;

    @BeforeAll
    static void fleetWithRuntime() throws Exception {
        fleet = FleetRun.fleetWithRuntime("itown", "mine", "foreign", "old");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    static String state(String container) {
        return Sh.run("docker", "inspect", "-f", "{{.State.Status}}", container)
                .out()
                .strip();
    }

    @Test
    void aSameNamedContainerAgentctlDidNotMakeIsNeverTouchedByAnyCommand() {
        String name = fleet.container("foreign");
        Sh.Result run = Sh.run("docker", "run", "-d", "--name", name, EngineFleet.BASE, "sleep", "600");
        assertThat(run.code()).as(run.toString()).isZero();
        String id = run.out().strip();
        try {
            for (List<String> cmd : List.of(
                    List.of("up", "foreign"),
                    List.of("backup", "foreign"),
                    List.of("backup", "foreign", "--mode", "stop"),
                    List.of("stop", "foreign"),
                    List.of("restart", "foreign"),
                    List.of("down", "foreign"),
                    List.of("rm", "foreign", "--yes"),
                    List.of("logs", "foreign"),
                    List.of("exec", "foreign", "--", "true"))) {
                Cli.Result r = Cli.at(
                        fleet.root, cmd.get(0), cmd.subList(1, cmd.size()).toArray(String[]::new));
                assertThat(r.code()).as(cmd + "\n" + r).isNotZero();
                assertThat(r.err()).as(cmd.toString()).contains("agentctl did not make it");
                assertThat(state(name)).as("after " + cmd).isEqualTo("running");
            }
            assertThat(Sh.run("docker", "inspect", "-f", "{{.Id}}", name).out().strip())
                    .isEqualTo(id);
            assertThat(fleet.root.resolve("instances/foreign")).isDirectory();
        } finally {
            Sh.run("docker", "rm", "-f", id);
        }
    }

    @Test
    void aSecondRootWithTheSameNameGetsAClearErrorAndTakesNothingOver() throws Exception {
        fleet.expect(0, "up", "mine");
        String id = FleetRun.id(fleet, "mine");
        Path other = Files.createTempDirectory("agentctl-itown2-").resolve("fleet");
        try {
            Cli.Result init = Cli.raw("init", other.toString());
            assertThat(init.code()).isZero();
            Files.writeString(other.resolve("fleet.yaml"), Files.readString(fleet.root.resolve("fleet.yaml")));
            Files.createDirectories(other.resolve("runtime"));
            // the same runtime build, so that up gets as far as the containers
            Files.createSymbolicLink(
                    other.resolve("runtime/current"),
                    fleet.root.resolve("runtime/current").toRealPath());
            Cli.Result create = Cli.at(other, "create", "mine", "--env", "OPENAI_API_KEY=sk-other");
            assertThat(create.code()).as(create.toString()).isZero();
            for (List<String> cmd : List.of(
                    List.of("up", "mine"),
                    List.of("stop", "mine"),
                    List.of("backup", "mine"),
                    List.of("rm", "mine", "--yes"))) {
                List<String> args = new java.util.ArrayList<>(cmd);
                args.addAll(List.of("--root", other.toString()));
                Cli.Result r = Cli.raw(args.toArray(String[]::new));
                assertThat(r.code()).as(cmd + "\n" + r).isNotZero();
                assertThat(r.err())
                        .as(cmd.toString())
                        .contains("belongs to another fleet root named '" + fleet.name + "'")
                        .contains(fleet.root.toString())
                        .contains("give this fleet another name");
            }
            assertThat(FleetRun.id(fleet, "mine")).isEqualTo(id);
            assertThat(state(fleet.container("mine"))).isEqualTo("running");
            Cli.Result status = Cli.at(other, "status", "--no-stats");
            assertThat(status.out())
                    .as("the other root's status does not count our container as its own")
                    .contains("not created");
        } finally {
            FleetRun.deleteTree(other.getParent());
        }
    }

    @Test
    void aContainerMadeByTheOldHashSchemeIsLeftRunningByUp() throws Exception {
        Fleet f = Fleet.open(fleet.root);
        ContainerSpec now = SpecBuilder.build(f, f.load("old"));
        // as agentctl 0.1 made it: the old hash scheme, no fleet id, no config digest (it had neither)
        ContainerSpec v1 = new ContainerSpec(
                now.fleet(),
                null,
                now.instance(),
                now.containerName(),
                now.image(),
                now.command(),
                now.user(),
                now.environment(),
                now.envFile(),
                now.envFileDigest(),
                now.mounts(),
                now.ports(),
                now.cpus(),
                now.memoryBytes(),
                now.pids(),
                now.readOnlyRootfs(),
                now.capDrop(),
                now.securityOpt(),
                now.tmpfs(),
                now.healthcheck(),
                now.labels(),
                now.logDriver(),
                now.logOptions(),
                now.network(),
                now.restart(),
                now.init(),
                now.runtimeBuild(),
                now.workingDir(),
                null,
                SpecHash.LEGACY);
        String id;
        try (ContainerEngine engine = Engines.connect()) {
            Networks.ensure(engine, f, List.of(f.load("old"))); // its own bridge
            id = engine.create(v1, f.load("old").env());
            engine.start(id);
        }
        assertThat(FleetRun.inspect(fleet, "old")
                        .at("/Config/Labels/dev.agentctl.spec-hash")
                        .asText())
                .isEqualTo(v1.hash())
                .isNotEqualTo(now.hash());
        FleetRun.awaitHealthy(fleet, "old", Duration.ofSeconds(60));
        Cli.Result up = fleet.expect(0, "up", "old");
        assertThat(up.out()).contains("1 instance(s), 0 changed");
        assertThat(FleetRun.id(fleet, "old")).isEqualTo(id);
        assertThat(fleet.expect(0, "status", "old", "--json").out()).contains("\"pending\" : [ ]");
        // a real change is still one, named as such
        fleet.expect(0, "set", "old", "--memory", "200m");
        assertThat(fleet.expect(0, "up", "old").out()).contains("old: recreating (changed: memory)");
    }
}
