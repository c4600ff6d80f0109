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

    /** The build's own image tag: REPOSITORY:ID. */
    static String tagOf(Path build) {
        return fleet.name + "-runtime:" + build.getFileName().toString().substring("venv-".length());
    }

    /** docker image inspect: the image id of a reference, or "" when there is no such image. */
    static String imageId(String ref) {
        Sh.Result r = Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", ref);
        return r.code() == 0 ? r.out().strip() : "";
    }

    static JsonNode buildJson(Path build) throws IOException {
        return JSON.readTree(build.resolve("agentctl-build.json").toFile());
    }

    static JsonNode status() throws IOException {
        return JSON.readTree(fleet.expect(0, "runtime", "status", "--json").out());
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
        assertThat(firstBuild.resolve("VERSION.txt"))
                .content()
                .contains("nanobot-ai==0.3.0+standin")
                .contains("python:");
        assertThat(fleet.root.resolve("runtime/venv.tar.gz")).isNotEmptyFile();

        // the build has an image tag of its own, recorded in its agentctl-build.json; :latest points at it
        String tag = tagOf(firstBuild);
        assertThat(imageId(tag)).startsWith("sha256:");
        assertThat(buildJson(firstBuild).path("image").asText()).isEqualTo(tag);
        assertThat(buildJson(firstBuild).path("imageId").asText()).isEqualTo(imageId(tag));
        assertThat(s.path("image").asText()).isEqualTo(tag);
        assertThat(s.path("imageId").asText()).isEqualTo(imageId(tag));
        assertThat(imageId(fleet.image())).isEqualTo(imageId(tag));
    }

    @Test
    @Order(2)
    void aSecondBuildIsUpToDateAndChangesNothing() throws Exception {
        String imageBefore = Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image())
                .out();
        Cli.Result r = fleet.expect(0, "runtime", "build");
        assertThat(r.out()).contains("up to date");
        assertThat(current()).isEqualTo(firstBuild);
        assertThat(Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image())
                        .out())
                .isEqualTo(imageBefore);
    }

    @Test
    @Order(3)
    void theImageHasNoPythonAndVerifyPasses() {
        Sh.Result r = Sh.run(
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                "--entrypoint",
                "/bin/sh",
                fleet.image(),
                "-c",
                "command -v python3 python; ls -d /usr/bin/python* /usr/local/bin/python* /usr/lib/python3* 2>/dev/null; echo done");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out().strip()).isEqualTo("done");
        Cli.Result v = fleet.expect(0, "runtime", "verify");
        assertThat(v.out())
                .contains("ok    command starts")
                .contains("ok    no python")
                .contains("read-only");
    }

    @Test
    @Order(4)
    void aContainerWithTheRuntimeMountedAnswersHealthAndCannotWriteTheMount() throws Exception {
        int port = fleet.firstPort + 7;
        Path config = Files.createTempDirectory("agentctl-rt-config");
        Files.writeString(
                config.resolve("config.json"),
                "{\"gateway\": {\"host\": \"0.0.0.0\", \"port\": " + port + "},"
                        + " \"agents\": {\"defaults\": {\"workspace\": \"/tmp/ws\", \"provider\": \"openai\"}},"
                        + " \"providers\": {\"openai\": {\"apiKey\": \"sk-probe\"}}}");
        Sh.run("chmod", "-R", "a+rwX", config.toString());
        String name = fleet.name + "-probe";
        Sh.Result run = Sh.run(
                "docker",
                "run",
                "-d",
                "--name",
                name,
                "--label",
                "dev.agentctl.fleet=" + fleet.name,
                "-p",
                "127.0.0.1:" + port + ":" + port,
                "-e",
                "GATEWAY_PORT=" + port,
                "-v",
                current() + ":/opt/venv:ro",
                "-v",
                config + ":/home/nanobot/.nanobot",
                fleet.image(),
                "nanobot",
                "gateway",
                "--config",
                "/home/nanobot/.nanobot/config.json");
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
        String imageBefore = Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image())
                .out();
        Cli.Result r = fleet.cli("runtime", "build");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.err())
                .containsPattern("runtime build failed at Step \\d+/\\d+ : RUN")
                .contains("  | ");
        // the failing step is shown once, cut to one line, and never the whole script again as the reason
        assertThat(r.err().split("python3 -m venv", -1)).hasSize(2);
        assertThat(r.err()).contains("the step's command exited with code 2");
        assertThat(r.err()).containsIgnoringCase("toml");
        assertThat(current()).isEqualTo(firstBuild);
        assertThat(Sh.run("docker", "image", "inspect", "-f", "{{.Id}}", fleet.image())
                        .out())
                .isEqualTo(imageBefore);
        try (Stream<Path> s = Files.list(fleet.root.resolve("runtime"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.endsWith(".partial") || n.startsWith(".context"));
        }
        FleetRun.useRuntimeSource(fleet, source);
    }

    @Test
    @Order(6)
    void changingTheSourceRebuildsKeepsThePreviousAndRollbackSwitchesBack() throws Exception {
        Path init = source.resolve("nanobot/__init__.py");
        Files.writeString(init, Files.readString(init) + "\n# changed by RuntimeBuildIT\n");
        // the image changes too (a file of it), so that the two builds have different images
        Path health = fleet.root.resolve("templates/runtime/agent-health");
        Files.writeString(health, Files.readString(health) + "\n# changed by RuntimeBuildIT\n");
        assertThat(status().path("stale").asBoolean()).isTrue();
        String firstImage = imageId(tagOf(firstBuild));

        Cli.Result r = fleet.expect(0, "runtime", "build");
        assertThat(r.out()).contains("Built runtime");
        Path second = current();
        assertThat(second).isNotEqualTo(firstBuild);
        assertThat(fleet.root.resolve("runtime/previous").toRealPath()).isEqualTo(firstBuild);
        assertThat(firstBuild).isDirectory();
        // the previous build keeps its image; :latest moved onto the new build's
        assertThat(imageId(tagOf(firstBuild))).isEqualTo(firstImage);
        String secondImage = imageId(tagOf(second));
        assertThat(secondImage).startsWith("sha256:").isNotEqualTo(firstImage);
        assertThat(buildJson(second).path("imageId").asText()).isEqualTo(secondImage);
        assertThat(imageId(fleet.image())).isEqualTo(secondImage);
        assertThat(status().path("image").asText()).isEqualTo(tagOf(second));

        fleet.expect(0, "runtime", "rollback");
        assertThat(current()).isEqualTo(firstBuild);
        assertThat(fleet.root.resolve("runtime/previous").toRealPath()).isEqualTo(second);
        // rollback puts :latest back on the old build's image
        assertThat(imageId(fleet.image())).isEqualTo(firstImage);
        assertThat(status().path("image").asText()).isEqualTo(tagOf(firstBuild));
        assertThat(status().path("imageId").asText()).isEqualTo(firstImage);
    }

    @Test
    @Order(7)
    void aBuildThatPrunesAnOldBuildRemovesItsImageTag() throws Exception {
        Path second = fleet.root.resolve("runtime/previous").toRealPath();
        fleet.expect(0, "runtime", "build", "--force");
        Path third = current();
        assertThat(third).isNotEqualTo(second).isNotEqualTo(firstBuild);
        assertThat(fleet.root.resolve("runtime/previous").toRealPath()).isEqualTo(firstBuild);
        assertThat(second).doesNotExist();
        assertThat(imageId(tagOf(second))).isEmpty();
        assertThat(imageId(tagOf(firstBuild))).startsWith("sha256:");
        assertThat(imageId(fleet.image())).isEqualTo(imageId(tagOf(third)));
    }

    @Test
    @Order(8)
    void statusWithTheBuilderImageGoneSaysStaleIsUnknownAndWhy() throws Exception {
        Path yaml = fleet.root.resolve("fleet.yaml");
        String before = Files.readString(yaml);
        String missing = "agentctl-test/no-such-builder:" + fleet.name;
        String after = before.replaceAll("(?m)^  builderImage: .*$", "  builderImage: " + missing);
        assertThat(after).isNotEqualTo(before);
        Files.writeString(yaml, after);
        try {
            JsonNode s = status();
            assertThat(s.path("built").asBoolean()).isTrue();
            assertThat(s.has("stale")).isTrue();
            assertThat(s.path("stale").isNull()).as(s.toString()).isTrue();
            assertThat(s.path("staleReason").asText()).contains(missing).contains("not on this Docker host");
            assertThat(s.path("imageId").asText()).startsWith("sha256:");
        } finally {
            Files.writeString(yaml, before);
        }
        assertThat(status().path("stale").isBoolean()).isTrue();
    }

    @Test
    @Order(9)
    void anUnreachableEngineIsExit3WithOneLine() throws Exception {
        Path jar = EngineFleet.repo().resolve("app/target/agentctl.jar");
        assertThat(jar)
                .as("the jar is built by mvn package before the engine tests run")
                .exists();
        ProcessBuilder pb =
                new ProcessBuilder("java", "-jar", jar.toString(), "runtime", "build", "--root", fleet.root.toString());
        pb.environment().put("DOCKER_HOST", "unix:///tmp/agentctl-no-such-engine.sock");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor()).as(out + err).isEqualTo(3);
        assertThat(err.lines().toList()).hasSize(1);
        assertThat(err).contains("cannot reach the Docker engine at unix:///tmp/agentctl-no-such-engine.sock");
    }
}
