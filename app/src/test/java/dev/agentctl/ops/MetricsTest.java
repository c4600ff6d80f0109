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
        Path sessions = instance("a").resolve("workspace/sessions");
        try {
            java.nio.file.Files.createDirectories(sessions);
            java.nio.file.Files.createDirectories(instance("a").resolve("config/logs"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        write(sessions.resolve("cli_direct.jsonl"), "{\"role\":\"user\"}\n"); // 16 bytes
        write(sessions.resolve("telegram_1.jsonl"), "{}\n");
        write(instance("a").resolve("config/logs/nanobot.log"), "0123456789");
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
                .contains("agentctl_instance_sessions{" + fleet + ",instance=\"a\"} 2")
                .contains("agentctl_instance_sessions_bytes{" + fleet + ",instance=\"a\"} 19")
                .contains("agentctl_instance_log_bytes{" + fleet + ",instance=\"a\"} 10")
                .contains("agentctl_instance_sessions{" + fleet + ",instance=\"b\"} 0")
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
        ok("backup", "a", "--mode", "online");
        Cli.Result r = run("maintain");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(read(root.resolve("metrics/agentctl.prom")))
                .contains("agentctl_maintain_last_ok{fleet=\"" + fleetName + "\"} 1")
                .contains("agentctl_backup_last_verify_ok{fleet=\"" + fleetName + "\",instance=\"a\"} 1")
                .contains("agentctl_instance_up{fleet=\"" + fleetName + "\",instance=\"a\"} 0");
    }
}
