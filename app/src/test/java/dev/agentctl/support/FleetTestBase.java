package dev.agentctl.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** A fresh fleet root (after {@code agentctl init}) per test, and helpers to run commands in it and read it. */
public abstract class FleetTestBase {
    protected static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    protected Path tmp;

    protected Path root;

    /**
     * A fleet name of its own: {@code rm} removes the container named FLEET-NAME from the real engine, so a test
     * fleet must never share the default name "nanobot" with a developer's real fleet.
     */
    protected String fleetName;

    @BeforeEach
    void makeFleetRoot() throws java.io.IOException {
        root = tmp.resolve("fleet");
        Cli.Result r = Cli.raw("init", root.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        fleetName = "ut-" + Long.toString(System.nanoTime() & 0xffffffL, 36);
        Path yaml = root.resolve("fleet.yaml");
        String text = java.nio.file.Files.readString(yaml);
        assertThat(text).containsPattern("(?m)^name: fleet$");
        java.nio.file.Files.writeString(yaml, text.replaceFirst("(?m)^name: fleet$", "name: " + fleetName));
    }

    /** {@code agentctl COMMAND --root ROOT ARGS...} */
    protected Cli.Result run(String command, String... args) {
        return Cli.at(root, command, args);
    }

    /** Runs a command that must succeed. */
    protected Cli.Result ok(String command, String... args) {
        Cli.Result r = run(command, args);
        assertThat(r.code())
                .as("agentctl %s %s%n%s", command, String.join(" ", args), r)
                .isZero();
        return r;
    }

    /** The first port from 18790 (the fleet's default range) not listened on by the host nor in {@code taken}. */
    protected static int freePort(Integer... taken) {
        return HostPorts.firstFree(18790, Set.of(taken));
    }

    protected Path instance(String name) {
        return root.resolve("instances").resolve(name);
    }

    protected static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static void write(Path p, String text) {
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static JsonNode json(Path p) {
        return json(read(p));
    }

    @SuppressWarnings("unchecked")
    protected static Map<String, Object> yaml(Path p) {
        return (Map<String, Object>) new Yaml().load(read(p));
    }

    protected static String mode(Path p) {
        try {
            return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected Map<String, String> snapshot() {
        return TreeSnapshot.of(root);
    }

    /** Asserts the fleet root is exactly as in {@code before} (listing what changed if not). */
    protected void assertUnchanged(Map<String, String> before, String what) {
        assertThat(TreeSnapshot.diff(before, snapshot()))
                .as("changes in the fleet root after %s", what)
                .isEmpty();
    }
}
