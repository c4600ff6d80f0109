package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** An instance whose agent exits at start: up exits 4 and shows its logs; the healthy instance is left alone. */
@Tag("engine")
class UpFailureIT {
    static EngineFleet fleet;

    @BeforeAll
    static void oneGoodInstanceUpAndOneThatCrashesAtStart() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itfail", "good");
        fleet.expect(0, "up");
        fleet.create("crash", "--env", "STANDIN_EXIT_AT_START=3");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    @Test
    void upExits4WithTheCrashingInstancesLogsAndLeavesTheOtherAlone() {
        String goodId = FleetRun.id(fleet, "good");

        Cli.Result up = fleet.cli("up");
        assertThat(up.code()).as(up.toString()).isEqualTo(4);
        assertThat(up.err())
                .contains("crash did not become healthy")
                .contains("last log lines:")
                .contains("Error: simulated crash at start (STANDIN_EXIT_AT_START=3)")
                .doesNotContain("good did not");
        assertThat(up.out())
                .contains("crash: creating")
                .doesNotContain("good: ")
                .contains("1 NOT healthy");

        assertThat(FleetRun.id(fleet, "good"))
                .as("the healthy instance's container")
                .isEqualTo(goodId);
        Map<String, JsonNode> rows = FleetRun.status(fleet, "--no-stats");
        assertThat(rows.get("good").path("state").asText()).isEqualTo("running");
        assertThat(rows.get("good").path("health").asText()).isEqualTo("healthy");
        assertThat(EngineFleet.health(rows.get("good").path("port").asInt()).status())
                .isEqualTo(200);
        // crash loops: between restarts it is "restarting" (briefly "running" while it starts and fails again)
        FleetRun.await("status to exit 4 and show crash restarting", Duration.ofSeconds(30), () -> {
            Cli.Result status = fleet.cli("status", "--no-stats");
            return status.code() == 4
                            && status.out().lines().anyMatch(l -> l.matches("crash\\s.*\\s(restarting|exited)\\s.*"))
                    ? null
                    : status.toString();
        });
        assertThat(FleetRun.status(fleet, "--no-stats")
                        .get("crash")
                        .path("restarts")
                        .asInt())
                .isPositive();
        Cli.Result logs = fleet.expect(0, "logs", "crash", "--tail", "3");
        assertThat(logs.out()).contains("simulated crash at start");

        // only naming the good one: nothing to do, exit 0
        Cli.Result upGood = fleet.expect(0, "up", "good");
        assertThat(upGood.out()).contains("0 changed");
        assertThat(FleetRun.id(fleet, "good")).isEqualTo(goodId);
    }
}
