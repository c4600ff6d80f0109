package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** metrics on the fake engine: the text format's rules, one family each, what a user would graph. */
class MetricsTest extends FakeFleet {
    @Test
    void eachInstanceHasItsFiguresInBaseUnitsAndEachFamilyItsHelpAndTypeOnce() {
        engine.healthyAfter = Duration.ZERO;
        engine.startLog = List.of("✓ Channels enabled: websocket, mattermost", "✓ Health endpoint: http://x/health");
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a", "--memory", "256m");
        ok("create", "b", "--env", "OPENAI_API_KEY=sk-b");
        ok("up", "a");
        ok("backup", "a", "--mode", "online");
        String text = ok("metrics").out();
        String fleet = "fleet=\"" + fleetName + "\"";
        assertThat(text)
                .contains("agentctl_instance_up{" + fleet + ",instance=\"a\"} 1")
                .contains("agentctl_instance_up{" + fleet + ",instance=\"b\"} 0")
                .contains("agentctl_instance_healthy{" + fleet + ",instance=\"a\"} 1")
                .contains("agentctl_instance_memory_bytes{" + fleet + ",instance=\"a\"} " + (40L << 20))
                .contains("agentctl_instance_memory_limit_bytes{" + fleet + ",instance=\"a\"} " + (256L << 20))
                .contains("agentctl_instance_restarts_total{" + fleet + ",instance=\"a\"} 0")
                .containsPattern("agentctl_backup_last_size_bytes\\{" + fleet + ",instance=\"a\"} [1-9]\\d*\n")
                .contains("# TYPE agentctl_instance_restarts_total counter")
                .containsPattern("agentctl_fleet_disk_free_bytes\\{" + fleet + "} \\d+\n");
        for (String line : text.lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                String name = line.split(" ")[2];
                assertThat(text.split("# TYPE " + name + " ", -1))
                        .as(name + " declared once")
                        .hasSize(2);
            } else if (!line.startsWith("# HELP ")) {
                assertThat(line).matches("[a-z_]+\\{[^}]*} -?[0-9.e+-]+");
            }
        }
    }

    @Test
    void theTextfileIsReplacedWholeAndReadableByTheCollector() {
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        Path f = tmp.resolve("textfile/agentctl.prom");
        try {
            java.nio.file.Files.createDirectories(f.getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        write(f, "old\n");
        Cli.Result r = ok("metrics", "--textfile", f.toString());
        assertThat(r.out()).isEmpty();
        assertThat(read(f)).startsWith("# HELP ").doesNotContain("\nold\n");
        assertThat(mode(f)).isEqualTo("rw-r--r--");
    }

    @Test
    void maintainRefreshesTheTextfileWhenFleetYamlNamesOne() {
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        Path yaml = root.resolve("fleet.yaml");
        write(yaml, read(yaml) + "\nmaintain:\n  metricsTextfile: metrics/agentctl.prom\n");
        try {
            java.nio.file.Files.createDirectories(root.resolve("metrics"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Cli.Result r = run("maintain");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(read(root.resolve("metrics/agentctl.prom")))
                .contains("agentctl_maintain_last_ok{fleet=\"" + fleetName + "\"} 1")
                .contains("agentctl_instance_up{fleet=\"" + fleetName + "\",instance=\"a\"} 0");
    }
}
