package dev.agentctl.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A fleet root for tests against the real Docker engine: its own fleet name (so containers, images and networks
 * of parallel or earlier runs never collide), a port range of its own, the stand-in agent as runtime source and
 * the base images made by scripts/provision-engine.sh. {@link #close()} removes every container, network and
 * image it made. When no engine answers, {@link #create} fails the test with a clear message: never a skip.
 */
public final class EngineFleet implements AutoCloseable {
    public static final String BASE =
            System.getenv().getOrDefault("AGENTCTL_TEST_BASE", "agentctl-test/debian-slim:bookworm");
    public static final String BUILDER =
            System.getenv().getOrDefault("AGENTCTL_TEST_BUILDER", "agentctl-test/python:bookworm");

    public final Path root;
    public final String name;
    public final int firstPort;

    private EngineFleet(Path root, String name, int firstPort) {
        this.root = root;
        this.name = name;
        this.firstPort = firstPort;
    }

    public static Path repo() {
        String repo = System.getProperty("agentctl.repo");
        Path p = repo != null ? Path.of(repo) : Path.of("..");
        return p.toAbsolutePath().normalize();
    }

    public static Path standinSource() {
        return repo().resolve("app/src/test/standin-agent");
    }

    /** A fleet named {@code prefix-<random>} in {@code dir}, with a free block of 20 ports. */
    public static EngineFleet create(Path dir, String prefix) throws IOException {
        requireEngine();
        String name =
                prefix + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
        int first = 20000 + ThreadLocalRandom.current().nextInt(2000) * 20;
        Cli.Result init = Cli.raw("init", dir.toString());
        assertThat(init.code()).as(init.toString()).isZero();
        Files.writeString(
                dir.resolve("fleet.yaml"),
                String.join(
                        "\n",
                        "name: " + name,
                        "runtime:",
                        "  baseImage: " + BASE,
                        "  builderImage: " + BUILDER,
                        "  source: " + standinSource(),
                        "  pipArgs: [--no-index, --no-build-isolation]",
                        "defaults:",
                        "  resources:",
                        "    memory: 256m",
                        "    cpus: 0.5",
                        "ports:",
                        "  from: " + first,
                        "  to: " + (first + 19),
                        ""));
        return new EngineFleet(dir, name, first);
    }

    /** Fails (never skips) when no engine answers. */
    public static void requireEngine() {
        Sh.Result r = Sh.run("docker", "info", "--format", "{{.ServerVersion}}");
        if (r.code() != 0) {
            throw new AssertionError(
                    "No Docker engine answers (docker info: " + r.err().strip() + "). Engine tests need one:"
                            + " run scripts/provision-engine.sh (CI does) and try again.");
        }
    }

    public Cli.Result cli(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--root");
        a.add(root.toString());
        return Cli.raw(a.toArray(String[]::new));
    }

    /**
     * {@code agentctl create NAME ARGS...} with an API key for the default provider (the agent, like the real one,
     * does not start without one) and one chat channel that needs no libraries (mattermost: without a channel the
     * agent is degraded, nobody can reach it), whose agent writes a heartbeat line to memory/history.jsonl every
     * second (tests of live data need a writer; nanobot's default is every 30 minutes); fails the test unless it
     * works.
     */
    public Cli.Result create(String name, String... args) {
        List<String> a = new ArrayList<>(List.of("create", name));
        a.addAll(List.of(args));
        a.addAll(List.of("--env", "OPENAI_API_KEY=sk-test-" + name));
        Cli.Result r = expect(0, a.toArray(String[]::new));
        expect(0, "channel", "enable", name, "mattermost");
        Path config = root.resolve("instances/" + name + "/config/config.json");
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode cfg =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(config.toFile());
            cfg.with("gateway").with("heartbeat").put("intervalS", 1);
            Files.writeString(config, json.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return r;
    }

    /** Runs a command and fails the test with its output unless it exits with {@code code}. */
    public Cli.Result expect(int code, String... args) {
        Cli.Result r = cli(args);
        assertThat(r.code()).as("agentctl " + String.join(" ", args) + "\n" + r).isEqualTo(code);
        return r;
    }

    /** This fleet root's id (what its containers carry as dev.agentctl.fleet-id). */
    public String id() {
        try {
            return Files.readString(root.resolve(".agentctl/fleet-id")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public String container(String instance) {
        return name + "-" + instance;
    }

    public String image() {
        return name + "-runtime:latest";
    }

    /** docker inspect -f FORMAT CONTAINER, trimmed. */
    public String inspect(String instance, String format) {
        Sh.Result r = Sh.run("docker", "inspect", "-f", format, container(instance));
        assertThat(r.code()).as(r.toString()).isZero();
        return r.out().strip();
    }

    /** GET http://127.0.0.1:PORT/health (only ever loopback). Returns status code and body, or -1 on no answer. */
    public static HttpResult health(int port) {
        try {
            HttpClient c = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            HttpResponse<String> r = c.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                            .timeout(Duration.ofSeconds(3))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new HttpResult(r.statusCode(), r.body());
        } catch (IOException | InterruptedException e) {
            return new HttpResult(-1, e.toString());
        }
    }

    public record HttpResult(int status, String body) {}

    @Override
    public void close() {
        Sh.Result ids = Sh.run("docker", "ps", "-aq", "--filter", "label=dev.agentctl.fleet=" + name);
        for (String id : ids.out().split("\\s+")) {
            if (!id.isBlank()) {
                Sh.run("docker", "rm", "-f", id);
            }
        }
        Sh.run("docker", "network", "rm", name + "-net");
        // the instances' own networks (isolated and internal)
        Sh.run("docker", "network", "ls", "-q", "--filter", "label=dev.agentctl.fleet=" + name)
                .out()
                .lines()
                .filter(l -> !l.isBlank())
                .forEach(id -> Sh.run("docker", "network", "rm", id));
        // volume storage's volumes
        Sh.run("docker", "volume", "ls", "-q", "--filter", "label=dev.agentctl.fleet=" + name)
                .out()
                .lines()
                .filter(l -> !l.isBlank())
                .forEach(v -> Sh.run("docker", "volume", "rm", "-f", v));
        // runtime.image (:latest) and every build's own tag
        List<String> rmi = new ArrayList<>(List.of("docker", "rmi", "-f", image(), name + "-runtime-builder:latest"));
        Sh.run("docker", "images", "--format", "{{.Repository}}:{{.Tag}}", name + "-runtime")
                .out()
                .lines()
                .filter(l -> !l.isBlank())
                .forEach(rmi::add);
        Sh.run(rmi.toArray(String[]::new));
    }

    /** A small process runner for docker CLI calls in tests. */
    public static final class Sh {
        private Sh() {}

        public record Result(int code, String out, String err) {}

        public static Result run(String... argv) {
            try {
                Process p = new ProcessBuilder(argv).start();
                byte[] out = p.getInputStream().readAllBytes();
                byte[] err = p.getErrorStream().readAllBytes();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                return new Result(
                        p.exitValue(),
                        new String(out, StandardCharsets.UTF_8),
                        new String(err, StandardCharsets.UTF_8));
            } catch (IOException e) {
                return new Result(127, "", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(130, "", e.toString());
            }
        }
    }
}
