package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Shared steps of the fleet engine tests: a fleet with a built runtime, status rows, docker inspect, waiting. */
final class FleetRun {
    static final ObjectMapper JSON = new ObjectMapper();

    private FleetRun() {}

    /** A new fleet (in a fresh temp folder) with its runtime built and {@code instances} created (not started). */
    static EngineFleet fleetWithRuntime(String prefix, String... instances) throws IOException {
        Path dir = Files.createTempDirectory("agentctl-" + prefix + "-");
        EngineFleet fleet = null;
        try {
            fleet = EngineFleet.create(dir.resolve("fleet"), prefix);
            fleet.expect(0, "runtime", "build");
            for (String i : instances) {
                fleet.create(i);
            }
            return fleet;
        } catch (IOException | RuntimeException | AssertionError e) {
            // @AfterAll never sees a fleet that failed to set up: clean it here
            if (fleet != null) {
                fleet.close();
            }
            deleteTree(dir);
            throw e;
        }
    }

    /** Closes the fleet (its containers, network, images) and deletes its temp folder. */
    static void dispose(EngineFleet fleet) {
        if (fleet == null) {
            return;
        }
        fleet.close();
        deleteTree(fleet.root.getParent());
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover temp folder is not worth failing a test for
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (!p.toString().contains("__pycache__")) {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Points fleet.yaml's runtime.source at {@code src}. */
    static void useRuntimeSource(EngineFleet fleet, Path src) throws IOException {
        Path yaml = fleet.root.resolve("fleet.yaml");
        String before = Files.readString(yaml);
        String after = before.replaceAll("(?m)^  source: .*$", "  source: " + src);
        assertThat(after).as("fleet.yaml has a runtime.source line").isNotEqualTo(before);
        Files.writeString(yaml, after);
    }

    /** The folder name of the current runtime build (venv-ID), as containers are labelled with it. */
    static String currentBuild(EngineFleet fleet) {
        try {
            return fleet.root
                    .resolve("runtime/current")
                    .toRealPath()
                    .getFileName()
                    .toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code agentctl status --json [NAMES]}: rows by name (the exit code is not checked). */
    static Map<String, JsonNode> status(EngineFleet fleet, String... args) {
        List<String> a = new java.util.ArrayList<>(List.of("status", "--json"));
        a.addAll(List.of(args));
        Cli.Result r = fleet.cli(a.toArray(String[]::new));
        assertThat(r.code()).as("status --json\n" + r).isIn(0, 4);
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        try {
            for (JsonNode row : JSON.readTree(r.out())) {
                rows.put(row.path("name").asText(), row);
            }
        } catch (IOException e) {
            throw new AssertionError("status --json printed no JSON:\n" + r, e);
        }
        return rows;
    }

    /** docker inspect of an instance's container, as JSON. */
    static JsonNode inspect(EngineFleet fleet, String instance) {
        Sh.Result r = Sh.run("docker", "inspect", fleet.container(instance));
        assertThat(r.code())
                .as("docker inspect " + fleet.container(instance) + ": " + r.err())
                .isZero();
        try {
            return JSON.readTree(r.out()).get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The id of an instance's container, or null when it has none. */
    static String id(EngineFleet fleet, String instance) {
        Sh.Result r = Sh.run("docker", "inspect", "-f", "{{.Id}}", fleet.container(instance));
        return r.code() == 0 ? r.out().strip() : null;
    }

    static Map<String, String> ids(EngineFleet fleet, String... instances) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String i : instances) {
            m.put(i, id(fleet, i));
        }
        return m;
    }

    /** The published host port of an instance (from status). */
    static int port(EngineFleet fleet, String instance) {
        JsonNode row = status(fleet, "--no-stats", instance).get(instance);
        assertThat(row).as("status row of " + instance).isNotNull();
        return row.path("port").asInt();
    }

    /** Polls {@code check} every 500 ms until it returns null (done) or {@code max} passes; fails with its last answer. */
    static void await(String what, Duration max, Supplier<String> check) {
        Instant deadline = Instant.now().plus(max);
        String last;
        while ((last = check.get()) != null) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(
                        "timed out after " + max.toSeconds() + " s waiting for " + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    /** Waits until status shows the instance running and healthy and its port answers /health with 200. */
    static void awaitHealthy(EngineFleet fleet, String instance, Duration max) {
        await(instance + " running, healthy and answering /health", max, () -> {
            JsonNode row = status(fleet, "--no-stats", instance).get(instance);
            if (!"running".equals(row.path("state").asText())
                    || !"healthy".equals(row.path("health").asText())) {
                return row.toString();
            }
            EngineFleet.HttpResult h = EngineFleet.health(row.path("port").asInt());
            return h.status() == 200 ? null : "GET /health -> " + h.status() + " " + h.body();
        });
    }
}
