package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built jar, run as a user runs it, against a Docker socket that does not exist: exit 3 and exactly one line
 * on stderr naming the socket (no stack trace, no logging noise).
 */
@Tag("engine")
class EngineUnreachableIT {
    static final String SOCKET = "/tmp/agentctl-no-such.sock";
    static Path dir;
    static Path root;

    @BeforeAll
    static void fleetRoot() throws IOException {
        assertThat(Path.of(SOCKET)).as("nothing may listen at " + SOCKET).doesNotExist();
        dir = Files.createTempDirectory("agentctl-itnoengine-");
        root = dir.resolve("fleet");
        Cli.Result init = Cli.raw("init", root.toString());
        assertThat(init.code()).as(init.toString()).isZero();
        Cli.Result create = Cli.at(root, "create", "alice");
        assertThat(create.code()).as(create.toString()).isZero();
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.deleteTree(dir);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "status",
                "up",
                "logs alice",
                "runtime build",
                "rm alice --yes",
                "backup",
                "stop",
                "exec alice -- true"
            })
    void exit3WithOneLineNamingTheSocket(String command) throws Exception {
        Path jar = EngineFleet.repo().resolve("app/target/agentctl.jar");
        assertThat(jar)
                .as("the jar ('mvn package' builds it before the integration tests)")
                .isRegularFile();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new java.util.ArrayList<>(List.of(java, "-jar", jar.toString()));
        argv.addAll(List.of(command.split(" ")));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("DOCKER_") || k.startsWith("AGENTCTL_"));
        env.put("DOCKER_HOST", "unix://" + SOCKET);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String stderr = new String(err, StandardCharsets.UTF_8);
        String report = "agentctl " + command + ": exit " + p.exitValue() + "\n--- stdout ---\n"
                + new String(out, StandardCharsets.UTF_8) + "\n--- stderr ---\n" + stderr;

        assertThat(p.exitValue()).as(report).isEqualTo(3);
        List<String> lines = stderr.lines().toList();
        assertThat(lines).as(report).hasSize(1);
        assertThat(lines.get(0))
                .as(report)
                .contains("cannot reach the Docker engine")
                .contains(SOCKET);
        // nothing changed: rm in particular keeps the folder rather than orphan a running container
        assertThat(root.resolve("instances/alice/config/config.json"))
                .as(report)
                .exists();
        assertThat(root.resolve("instances/.trash")).as(report).doesNotExist();
        assertThat(root.resolve("backups")).as(report).doesNotExist();
    }
}
