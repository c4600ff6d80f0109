package dev.agentctl.it;

import static dev.agentctl.it.FleetRun.awaitHealthy;
import static dev.agentctl.it.FleetRun.currentBuild;
import static dev.agentctl.it.FleetRun.ids;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code runtime build} then {@code up} rolls instances onto the new build one at a time. A build whose gateway
 * never answers /health is rolled back on the first instance and the roll stops; a good build then rolls everyone.
 */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuntimeRollIT {
    static final List<String> ALL = List.of("a", "b", "c");
    static EngineFleet fleet;
    static Path badSource;
    static String buildA;

    @BeforeAll
    static void threeInstancesUpOnBuildA() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itroll", ALL.toArray(String[]::new));
        buildA = currentBuild(fleet);
        fleet.expect(0, "up");

        // a copy of the stand-in whose /health always answers 503: the gateway runs but never becomes healthy
        badSource = fleet.root.getParent().resolve("standin-never-healthy");
        FleetRun.copyTree(EngineFleet.standinSource(), badSource);
        Path cli = badSource.resolve("nanobot/cli.py");
        String code = Files.readString(cli);
        String healthy = "elif os.environ.get(\"STANDIN_NO_HEALTH\") == \"1\":";
        assertThat(code).contains(healthy);
        Files.writeString(cli, code.replace(healthy, "elif True:  # patched by RuntimeRollIT: never healthy"));
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    static String runtimeOf(String instance) {
        return fleet.inspect(instance, "{{index .Config.Labels \"dev.agentctl.runtime\"}}");
    }

    static String mountedRuntime(String instance) {
        for (JsonNode m : FleetRun.inspect(fleet, instance).path("Mounts")) {
            if ("/opt/venv".equals(m.path("Destination").asText())) {
                return Path.of(m.path("Source").asText()).getFileName().toString();
            }
        }
        throw new AssertionError(instance + " has no /opt/venv mount");
    }

    /** The image a container was created from (as named) and its id. */
    static String imageOf(String instance) {
        return fleet.inspect(instance, "{{.Config.Image}} {{.Image}}");
    }

    /** A build's own image tag and id, as its agentctl-build.json records them. */
    static String imageOfBuild(String build) throws IOException {
        JsonNode b = FleetRun.JSON.readTree(fleet.root
                .resolve("runtime")
                .resolve(build)
                .resolve("agentctl-build.json")
                .toFile());
        assertThat(b.path("image").asText()).isEqualTo(fleet.name + "-runtime:" + build.substring("venv-".length()));
        return b.path("image").asText() + " " + b.path("imageId").asText();
    }

    @Test
    @Order(1)
    void aBadRollIsRolledBackOnTheFirstInstanceAndStopsThere() throws IOException {
        for (String i : ALL) {
            assertThat(runtimeOf(i)).isEqualTo(buildA);
            assertThat(imageOf(i)).isEqualTo(imageOfBuild(buildA));
        }
        Map<String, String> before = ids(fleet, ALL.toArray(String[]::new));

        // the bad build's image is bad too: its healthcheck never passes, so an instance put back on build A's
        // venv but left on this image would stay unhealthy
        FleetRun.useRuntimeSource(fleet, badSource);
        Path health = fleet.root.resolve("templates/runtime/agent-health");
        String script = Files.readString(health);
        String check = "if [[ $status =~";
        assertThat(script).contains(check);
        Files.writeString(
                health, script.replace(check, "status=\"HTTP/1.0 503 (patched by RuntimeRollIT)\"\n" + check));
        try {
            fleet.expect(0, "runtime", "build");
        } finally {
            Files.writeString(health, script);
        }
        String bad = currentBuild(fleet);
        assertThat(bad).isNotEqualTo(buildA);
        assertThat(imageOfBuild(bad).split(" ")[1])
                .isNotEqualTo(imageOfBuild(buildA).split(" ")[1]);

        // the health wait is cut short: the bad build never answers, and the default would wait 2 minutes
        Cli.Result up = fleet.cli("up", "--wait-timeout", "10s");
        assertThat(up.code()).as(up.toString()).isEqualTo(4);
        assertThat(up.out())
                .contains("a: rolling onto runtime " + bad)
                .contains("a: rolling back to runtime " + buildA)
                .doesNotContain("b: rolling")
                .doesNotContain("c: rolling");
        assertThat(up.err())
                .contains("a did not become healthy")
                .contains("put back on its previous runtime")
                .contains("unhealthy: 127.0.0.1:");
        assertThat(up.err()).doesNotContain("b did not").doesNotContain("c did not");

        // a is back on build A (a new container) and healthy again
        assertThat(runtimeOf("a")).isEqualTo(buildA);
        assertThat(mountedRuntime("a")).isEqualTo(buildA);
        assertThat(imageOf("a")).isEqualTo(imageOfBuild(buildA));
        awaitHealthy(fleet, "a", Duration.ofSeconds(60));
        // b and c were not touched
        Map<String, String> after = ids(fleet, ALL.toArray(String[]::new));
        assertThat(after.get("b")).isEqualTo(before.get("b"));
        assertThat(after.get("c")).isEqualTo(before.get("c"));
        for (String i : List.of("b", "c")) {
            assertThat(runtimeOf(i)).as(i).isEqualTo(buildA);
            assertThat(mountedRuntime(i)).as(i).isEqualTo(buildA);
        }

        // status shows all three on an old build (current is the bad one)
        String oldA = "old (" + buildA.replaceFirst("^venv-", "") + ")";
        Map<String, JsonNode> rows = FleetRun.status(fleet, "--no-stats");
        for (String i : ALL) {
            assertThat(rows.get(i).path("runtime").asText()).as(i).isEqualTo(oldA);
            assertThat(rows.get(i).path("health").asText()).as(i).isEqualTo("healthy");
        }
        Cli.Result table = fleet.expect(0, "status", "--no-stats");
        for (String i : ALL) {
            assertThat(table.out()
                            .lines()
                            .filter(l -> l.startsWith(i + " "))
                            .findFirst()
                            .orElseThrow())
                    .containsPattern(java.util.regex.Pattern.quote(oldA) + "\\s+image, mounts: agentctl up " + i);
        }
    }

    @Test
    @Order(2)
    void aGoodRollMovesEveryInstanceOntoTheNewBuild() throws IOException {
        FleetRun.useRuntimeSource(fleet, EngineFleet.standinSource());
        fleet.expect(0, "runtime", "build");
        String good = currentBuild(fleet);
        assertThat(good).isNotEqualTo(buildA);

        Cli.Result up = fleet.expect(0, "up");
        for (String i : ALL) {
            assertThat(up.out()).contains(i + ": rolling onto runtime " + good);
        }
        assertThat(up.out()).contains("all healthy");
        Map<String, JsonNode> rows = FleetRun.status(fleet, "--no-stats");
        for (String i : ALL) {
            assertThat(runtimeOf(i)).as(i).isEqualTo(good);
            assertThat(mountedRuntime(i)).as(i).isEqualTo(good);
            assertThat(imageOf(i)).as(i).isEqualTo(imageOfBuild(good));
            assertThat(rows.get(i).path("runtime").asText()).as(i).isEqualTo("current");
            assertThat(rows.get(i).path("health").asText()).as(i).isEqualTo("healthy");
            assertThat(EngineFleet.health(rows.get(i).path("port").asInt()).status())
                    .as(i)
                    .isEqualTo(200);
        }
    }
}
