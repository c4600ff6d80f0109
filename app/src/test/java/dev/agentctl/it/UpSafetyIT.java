package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** up never loses a working container, never touches one it did not make, and handles paused and starting ones. */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpSafetyIT {
    static EngineFleet fleet;

    @BeforeAll
    static void twoInstancesUp() throws java.io.IOException {
        fleet = FleetRun.fleetWithRuntime("itsafe", "a", "b");
        fleet.expect(0, "up");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    @Test
    @Order(1)
    void aRecreateThatCannotStartPutsTheOldContainerBack() {
        String oldId = FleetRun.id(fleet, "a");
        int port = FleetRun.port(fleet, "a");
        // valid for agentctl, refused by the engine on this host (an address the host does not have): the new
        // container is made but cannot start
        fleet.expect(0, "set", "a", "--bind", "10.255.255.1");
        Cli.Result up = fleet.cli("up", "a");
        assertThat(up.code()).as(up.toString()).isEqualTo(4);
        assertThat(up.out()).contains("a: recreating (changed: ports)").contains("a: FAILED");
        assertThat(up.err()).contains("a did not become healthy (failed:");

        assertThat(FleetRun.id(fleet, "a"))
                .as("the old container is back under its name")
                .isEqualTo(oldId);
        FleetRun.awaitHealthy(fleet, "a", java.time.Duration.ofSeconds(60));
        assertThat(EngineFleet.health(port).status()).isEqualTo(200);
        Sh.Result names = Sh.run(
                "docker", "ps", "-a", "--filter", "label=dev.agentctl.fleet=" + fleet.name, "--format", "{{.Names}}");
        assertThat(names.out()).doesNotContain("replaced");

        // back to a valid setting: the container matches its spec again and is left alone
        fleet.expect(0, "set", "a", "--bind", "127.0.0.1");
        Cli.Result again = fleet.expect(0, "up", "a");
        assertThat(again.out()).contains("0 changed");
        assertThat(FleetRun.id(fleet, "a")).isEqualTo(oldId);
    }

    @Test
    @Order(2)
    void aContainerOfTheSameNameThatAgentctlDidNotMakeIsNeverTouched() {
        fleet.create("c");
        String foreign = fleet.container("c");
        Sh.Result run = Sh.run(
                "docker",
                "run",
                "-d",
                "--name",
                foreign,
                "--network",
                "none",
                "--entrypoint",
                "/bin/sleep",
                fleet.image(),
                "300");
        assertThat(run.code()).as(run.toString()).isZero();
        try {
            Cli.Result up = fleet.cli("up", "c");
            assertThat(up.code()).as(up.toString()).isEqualTo(4);
            assertThat(up.out() + up.err()).contains("agentctl did not make it");
            for (String cmd : new String[] {"stop", "down"}) {
                Cli.Result r = fleet.cli(cmd, "c");
                assertThat(r.code()).as(r.toString()).isEqualTo(1);
                assertThat(r.errLines()).hasSize(1);
                assertThat(r.err()).contains(foreign).contains("agentctl did not make it");
            }
            assertThat(Sh.run("docker", "inspect", "-f", "{{.State.Running}}", foreign)
                            .out()
                            .strip())
                    .isEqualTo("true");
        } finally {
            Sh.run("docker", "rm", "-f", foreign);
        }
    }

    @Test
    @Order(3)
    void aPausedInstanceMakesStatusExit4AndUpUnpausesIt() {
        Sh.run("docker", "pause", fleet.container("b"));
        Cli.Result status = fleet.cli("status", "b", "--no-stats");
        assertThat(status.code()).as(status.toString()).isEqualTo(4);
        assertThat(status.out()).contains("paused");
        Cli.Result up = fleet.expect(0, "up", "b");
        assertThat(up.out()).contains("b: unpausing");
        JsonNode row = FleetRun.status(fleet, "--no-stats").get("b");
        assertThat(row.path("state").asText()).isEqualTo("running");
    }

    @Test
    @Order(4)
    void upWaitsForAnInstanceThatIsStillStarting() {
        fleet.expect(0, "down", "b");
        fleet.expect(0, "up", "b", "--no-wait");
        Cli.Result up = fleet.expect(0, "up", "b");
        assertThat(up.out()).contains("b: healthy").contains("all healthy");
    }
}
