package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * agentctl's metrics as a user scrapes them: promtool accepts them, and Debian's node_exporter (textfile collector)
 * and a Prometheus server, both on 127.0.0.1 and started here, scrape them so that a query through Prometheus's HTTP
 * API returns an instance's memory.
 */
@Tag("engine")
class MetricsIT {
    static EngineFleet fleet;

    @BeforeAll
    static void aRunningInstance() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itmet", "a");
        fleet.expect(0, "up");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void promtoolAcceptsThemAndPrometheusScrapesThemThroughNodeExporter() throws Exception {
        Cli.Result m = fleet.expect(0, "metrics");
        Process check = new ProcessBuilder("promtool", "check", "metrics")
                .redirectErrorStream(true)
                .start();
        check.getOutputStream().write(m.out().getBytes(StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue())
                .as("promtool check metrics: " + said + "\n" + m.out())
                .isZero();
        assertThat(said).as("no lint warnings either").isBlank();

        Path dir = fleet.root.getParent().resolve("textfile");
        Files.createDirectories(dir);
        fleet.expect(0, "metrics", "--textfile", dir.resolve("agentctl.prom").toString());
        int exporterPort = freePort();
        int promPort = freePort();
        Path conf = fleet.root.getParent().resolve("prometheus.yml");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "global:",
                        "  scrape_interval: 1s",
                        "scrape_configs:",
                        "  - job_name: node",
                        "    honor_labels: true",
                        "    static_configs:",
                        "      - targets: ['127.0.0.1:" + exporterPort + "']",
                        ""));
        Process exporter = new ProcessBuilder(
                        "prometheus-node-exporter",
                        "--web.listen-address=127.0.0.1:" + exporterPort,
                        "--collector.disable-defaults",
                        "--collector.textfile",
                        "--collector.textfile.directory=" + dir)
                .redirectErrorStream(true)
                .redirectOutput(fleet.root.getParent().resolve("exporter.log").toFile())
                .start();
        Process prometheus = new ProcessBuilder(
                        "prometheus",
                        "--config.file=" + conf,
                        "--web.listen-address=127.0.0.1:" + promPort,
                        "--storage.tsdb.path=" + fleet.root.getParent().resolve("tsdb"))
                .redirectErrorStream(true)
                .redirectOutput(fleet.root.getParent().resolve("prometheus.log").toFile())
                .start();
        try {
            String query = "agentctl_instance_memory_bytes{instance=\"a\",fleet=\"" + fleet.name + "\"}";
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            JsonNode[] result = {null};
            FleetRun.await("Prometheus returning a's memory", Duration.ofSeconds(60), () -> {
                try {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort + "/api/v1/query?query="
                                            + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    JsonNode data = FleetRun.json(r.body()).path("data").path("result");
                    if (data.size() == 1) {
                        result[0] = data.get(0);
                        return null;
                    }
                    return r.body();
                } catch (IOException e) {
                    return e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return "interrupted";
                }
            });
            double bytes = Double.parseDouble(result[0].path("value").get(1).asText());
            assertThat(bytes)
                    .as("a's memory, through node_exporter and Prometheus")
                    .isGreaterThan(1 << 20);
        } finally {
            prometheus.destroy();
            exporter.destroy();
            prometheus.waitFor(20, TimeUnit.SECONDS);
            exporter.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
