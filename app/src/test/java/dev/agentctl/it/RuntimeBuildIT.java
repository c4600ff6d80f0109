package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** agentctl runtime build/status/verify/rollback against the real engine, from a copy of the stand-in agent. */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuntimeBuildIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static EngineFleet fleet;
    static Path source;
    static Path firstBuild;

    @BeforeAll
    static void buildOnce() throws IOException {
        Path dir = Files.createTempDirectory("agentctl-rt-it");
        fleet = EngineFleet.create(dir.resolve("fleet"), "itrt");
        source = dir.resolve("standin");
        FleetRun.copyTree(EngineFleet.standinSource(), source);
        FleetRun.useRuntimeSource(fleet, source);
        fleet.expect(0, "runtime", "build");
        firstBuild = current();
    }

    @AfterAll
    static void cleanUp() {
        if (fleet != null) {
            fleet.close();
        }
    }

    static Path current() throws IOException {
        return fleet.root.resolve("runtime/current").toRealPath();
    }

    @Test
    @Order(1)
    void statusReportsTheBuildWithItsPythonAndPackages() throws Exception {
        Cli.Result r = fleet.expect(0, "runtime", "status", "--json");
        JsonNode s = JSON.readTree(r.out());
        assertThat(s.path("built").asBoolean()).isTrue();
        assertThat(s.path("stale").asBoolean()).isFalse();
        assertThat(s.path("python").asText()).startsWith("3.");
        assertThat(s.path("packages").path("nanobot-ai").asText()).isEqualTo("0.3.0+standin");
        assertThat(s.path("imageId").asText()).startsWith("sha256:");
        assertThat(s.path("imageSize").asLong()).isPositive();
        assertThat(s.path("runtimeSize").asLong()).isGreaterThan(1_000_000);
        assertThat(firstBuild.resolve("VERSION.txt")).content().contains("nanobot-ai==0.3.0+standin").contains("python:");
        assertThat(fleet.root.resolve("runtime/venv.tar.gz")).isNotEmptyFile();
    }

    @Test
    @Order(2)
    void aSecondBuildIsUpToDateAndChangesNothing() throws Exception {
        String imageBefore = Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image()).out();
        Cli.Result r = fleet.expect(0, "runtime", "build");
        assertThat(r.out()).contains("up to date");
        assertThat(current()).isEqualTo(firstBuild);
        assertThat(Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image()).out()).isEqualTo(imageBefore);
    }

    @Test
    @Order(3)
    void theImageHasNoPythonAndVerifyPasses() {
        Sh.Result r = Sh.run("docker", "run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", fleet.image(), "-c",
                "command -v python3 python; ls -d /usr/bin/python* /usr/local/bin/python* /usr/lib/python3* 2>/dev/null; echo done");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isEqualTo("done");
        Cli.Result v = fleet.expect(0, "runtime", "verify");
        assertThat(v.out()).contains("ok    command starts").contains("ok    no python").contains("read-only");
    }

    @Test
    @Order(4)
    void aContainerWithTheRuntimeMountedAnswersHealthAndCannotWriteTheMount() throws Exception {
        int port = fleet.firstPort + 7;
        Path config = Files.createTempDirectory("agentctl-rt-config");
        Files.writeString(config.resolve("config.json"), "{\"gateway\": {\"host\": \"0.0.0.0\", \"port\": " + port + "},"
                + " \"agents\": {\"defaults\": {\"workspace\": \"/tmp/ws\"}}}");
        Sh.run("chmod", "-R", "a+rwX", config.toString());
        String name = fleet.name + "-probe";
        Sh.Result run = Sh.run("docker", "run", "-d", "--name", name, "--label", "dev.agentctl.fleet=" + fleet.name,
                "-p", "127.0.0.1:" + port + ":" + port, "-e", "GATEWAY_PORT=" + port,
                "-v", current() + ":/opt/venv:ro", "-v", config + ":/home/nanobot/.nanobot",
                fleet.image(), "nanobot", "gateway", "--config", "/home/nanobot/.nanobot/config.json");
        assertThat(run.code()).as(run.toString()).isZero();
        EngineFleet.HttpResult h = null;
        for (int i = 0; i < 60; i++) {
            h = EngineFleet.health(port);
            if (h.status() == 200) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(h.status()).as(h.body()).isEqualTo(200);
        assertThat(JSON.readTree(h.body()).path("status").asText()).isEqualTo("ok");
        Sh.Result write = Sh.run("docker", "exec", name, "sh", "-c", "touch /opt/venv/x && echo WROTE");
        assertThat(write.out()).doesNotContain("WROTE");
        assertThat(write.err()).contains("Read-only file system");
        Sh.run("docker", "rm", "-f", name);
    }

    @Test
    @Order(5)
    void aBrokenPyprojectFailsWithItsOutputAndChangesNothing() throws Exception {
        Path broken = source.resolveSibling("broken");
        FleetRun.copyTree(source, broken);
        Files.writeString(broken.resolve("pyproject.toml"), "[project\nname = \n");
        FleetRun.useRuntimeSource(fleet, broken);
        String imageBefore = Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image()).out();
        Cli.Result r = fleet.cli("runtime", "build");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("image build failed at Step").contains("  | ");
        assertThat(r.err()).containsIgnoringCase("toml");
        assertThat(current()).isEqualTo(firstBuild);
        assertThat(Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image()).out()).isEqualTo(imageBefore);
        try (Stream<Path> s = Files.list(fleet.root.resolve("runtime"))) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".partial") || n.startsWith(".context"));
        }
        FleetRun.useRuntimeSource(fleet, source);
    }

    @Test
    @Order(6)
    void changingTheSourceRebuildsKeepsThePreviousAndRollbackSwitchesBack() throws Exception {
        Path init = source.resolve("nanobot/__init__.py");
        Files.writeString(init, Files.readString(init) + "\n# changed by RuntimeBuildIT\n");
        Cli.Result status = fleet.expect(0, "runtime", "status", "--json");
        assertThat(JSON.readTree(status.out()).path("stale").asBoolean()).isTrue();

        Cli.Result r = fleet.expect(0, "runtime", "build");
        assertThat(r.out()).contains("Built runtime");
        Path second = current();
        assertThat(second).isNotEqualTo(firstBuild);
        assertThat(fleet.root.resolve("runtime/previous").toRealPath()).isEqualTo(firstBuild);
        assertThat(firstBuild).isDirectory();

        fleet.expect(0, "runtime", "rollback");
        assertThat(current()).isEqualTo(firstBuild);
        assertThat(fleet.root.resolve("runtime/previous").toRealPath()).isEqualTo(second);
    }

    @Test
    @Order(7)
    void anUnreachableEngineIsExit3WithOneLine() throws Exception {
        Path jar = EngineFleet.repo().resolve("app/target/agentctl.jar");
        assertThat(jar).as("the jar is built by mvn package before the engine tests run").exists();
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", jar.toString(), "runtime", "build", "--root", fleet.root.toString());
        pb.environment().put("DOCKER_HOST", "unix:///tmp/agentctl-no-such-engine.sock");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor()).as(out + err).isEqualTo(3);
        assertThat(err.lines().toList()).hasSize(1);
        assertThat(err).contains("cannot reach the Docker engine at unix:///tmp/agentctl-no-such-engine.sock");
    }
}
