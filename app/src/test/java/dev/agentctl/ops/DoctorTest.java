package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** doctor says ok on a clean fleet, finds each problem planted, names the fix, and changes nothing. */
class DoctorTest extends FakeFleet {
    @BeforeEach
    void aCleanFleet() {
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "b", "--env", "OPENAI_API_KEY=sk-b");
    }

    @Test
    void aCleanFleetIsOk() {
        Cli.Result r = run("doctor");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("ok    engine")
                .contains("ok    runtime")
                .contains("ok    disk")
                .doesNotContain("fail")
                .doesNotContain("warn");
    }

    @Test
    void eachPlantedProblemIsFoundWithItsFixAndNothingIsChanged() throws Exception {
        Path a = instance("a");
        ObjectNode cfg = (ObjectNode) json(a.resolve("config/config.json"));
        cfg.with("gateway").put("host", "127.0.0.1");
        cfg.with("tools").with("web").with("search").put("apiKey", "brave-literal");
        write(a.resolve("config/config.json"), cfg.toString());
        Files.setPosixFilePermissions(a.resolve(".env"), PosixFilePermissions.fromString("rw-r--r--"));
        write(instance("b").resolve(".env"), "OPENAI_API_KEY=\n");
        Map<String, String> before = snapshot();

        Cli.Result r = run("doctor");
        assertThat(r.code()).as(r.toString()).isEqualTo(4);
        assertThat(r.out())
                .contains("fail  gateway  a")
                .contains("set gateway.host to 0.0.0.0")
                .contains("warn  secrets  a")
                .contains("tools.web.search.apiKey")
                .doesNotContain("brave-literal")
                .contains("warn  modes    a")
                .contains("chmod 600")
                .contains("fail  keys     b")
                .contains("agentctl set b --env OPENAI_API_KEY");
        assertUnchanged(before, "doctor");
        assertThat(run("doctor", "a", "--json").out())
                .contains("\"check\" : \"gateway\"")
                .doesNotContain("\"subject\" : \"b\"");
    }

    @Test
    void containersAgainstFilesPortsLeftoversAndDiskAreChecked() throws Exception {
        engine.healthyAfter = java.time.Duration.ZERO;
        engine.startLog = java.util.List.of("✓ Channels enabled: websocket", "✓ Health endpoint: http://x/health");
        ok("up", "a");
        int portA = json(instance("a").resolve("config/config.json"))
                .path("gateway")
                .path("port")
                .asInt();
        int portB = json(instance("b").resolve("config/config.json"))
                .path("gateway")
                .path("port")
                .asInt();
        engine.byName(container("a")).orElseThrow().ports =
                java.util.List.of(new dev.agentctl.engine.ContainerInfo.Published("127.0.0.1", portA + 1, 18790));
        write(
                instance("a").resolve("instance.yaml"),
                read(instance("a").resolve("instance.yaml")) + "resources:\n  cpus: 0.5\n");
        Files.createDirectories(root.resolve("instances/.a.restore-123"));
        Files.createDirectories(instance("a").resolve(".sessions-restore.restore-456"));
        Path yaml = root.resolve("fleet.yaml");
        write(yaml, read(yaml) + "\nmaintain:\n  disk:\n    warn: 1\n");
        Map<String, String> before = snapshot();
        try (java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", portB));
            Cli.Result r = run("doctor");
            assertThat(r.code()).as(r.toString()).isEqualTo(4);
            assertThat(r.out())
                    .contains("fail  port     a")
                    .contains("its container publishes [127.0.0.1:" + (portA + 1) + "], its files say " + portA)
                    .contains("warn  drift    a")
                    .contains("agentctl up a")
                    .contains("fail  port     b")
                    .contains("port " + portB + " on 127.0.0.1 is in use by another program")
                    .contains(".a.restore-123, left by an interrupted create or restore")
                    .contains(".sessions-restore.restore-456, left by an interrupted sessions restore")
                    .contains("warn  disk")
                    .contains("warns at 1%");
        }
        assertUnchanged(before, "doctor");
        assertThat(root.resolve("instances/.a.restore-123")).exists();
        // what doctor found is what the next command holding the lock tidies
        ok("up", "a");
        assertThat(root.resolve("instances/.a.restore-123")).doesNotExist();
        assertThat(instance("a").resolve(".sessions-restore.restore-456")).doesNotExist();
    }

    @Test
    void aRuntimeThatDoesNotVerifyFails() {
        engine.runOnceResult = new dev.agentctl.engine.RunResult(127, "exec: nanobot: not found");
        Cli.Result r = run("doctor");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out())
                .contains("fail  runtime")
                .contains("does not verify: command starts (nanobot --version): exec: nanobot: not found");
    }

    @Test
    void aMissingRuntimeImageFails() {
        engine.untagImage(fleetName + "-runtime:A");
        Cli.Result r = run("doctor");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out()).contains("fail  runtime").contains("agentctl runtime build --force");
    }
}
