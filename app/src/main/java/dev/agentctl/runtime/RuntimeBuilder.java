package dev.agentctl.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ImageInfo;
import dev.agentctl.engine.OneOff;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Layout;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.Extractor;
import dev.agentctl.io.TarReader;
import dev.agentctl.spec.RuntimeRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code runtime build} and {@code runtime status}: the Python environment built in the builder image, copied out
 * through the archive API into runtime/venv-ID (with VERSION.txt and agentctl-build.json), the portable
 * venv.tar.gz, and the slim runtime image, one tag per build (REPOSITORY:ID) with runtime.image (REPOSITORY:latest)
 * moved onto the current build's. A failed build changes nothing.
 */
public final class RuntimeBuilder {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Fleet fleet;
    private final ContainerEngine engine;
    private final BuildInputs inputs;
    private final RuntimeBuilds builds;

    public RuntimeBuilder(Fleet fleet, ContainerEngine engine) {
        this.fleet = fleet;
        this.engine = engine;
        this.inputs = new BuildInputs(fleet, engine);
        this.builds = new RuntimeBuilds(fleet);
    }

    public record BuildResult(
            boolean upToDate, String buildId, String imageId, long imageSize, long runtimeSize, Duration took) {}

    private FleetConfig.Runtime rt() {
        return fleet.config().runtime();
    }

    /**
     * Builds the runtime when what it is made of changed (or with force), then switches runtime/current. A failure
     * leaves runtime/current and the image as they were.
     */
    public BuildResult build(boolean force, boolean noCache, Consumer<String> status, Consumer<String> output) {
        Instant start = Instant.now();
        String hash = inputs.hash();
        Optional<Path> current = builds.current();
        Optional<JsonNode> cur = current.map(RuntimeBuilds::info);
        Optional<ImageInfo> curImage = current.flatMap(p -> engine.image(builds.imageOf(p)));
        if (!force
                && cur.isPresent()
                && hash.equals(cur.get().path("sourceHash").asText())
                && curImage.isPresent()) {
            tagLatest(engine, rt(), builds.imageOf(current.get()));
            return new BuildResult(
                    true,
                    cur.get().path("id").asText(),
                    curImage.get().id(),
                    curImage.get().size(),
                    0,
                    Duration.between(start, Instant.now()));
        }
        String id = ID_TIME.format(start) + "-" + hash.substring(0, 8);
        String imageTag = repository(rt().image()) + ":" + id;
        Path tmp = null;
        boolean built = false;
        boolean switched = false;
        try {
            Files.createDirectories(builds.dir());
            builds.cleanPartials();
            String builderTag = fleet.config().name() + "-runtime-builder:latest";
            status.accept("[1/4] building the Python environment in " + rt().builderImage()
                    + (rt().channels().isEmpty()
                            ? ""
                            : ", with the libraries of " + String.join(", ", rt().channels())));
            buildImage(
                    inputs.builderFiles(),
                    inputs.source(),
                    inputs.wheelhouse(),
                    builderTag,
                    inputs.builderArgs(),
                    noCache,
                    status,
                    output);

            status.accept("[2/4] copying " + rt().mountPath() + " out of the builder");
            tmp = builds.dir().resolve(".venv-" + id + ".partial");
            String container = engine.createOneOff(new OneOff(builderTag, null, List.of("true"), List.of(), null));
            try (InputStream tar = engine.copyOut(container, rt().mountPath())) {
                String top = Path.of(rt().mountPath()).getFileName().toString();
                // our own builder's output: not hostile, but read by the one safe reader all the same
                Extractor.extract(tar, tmp, top, null, new TarReader.Budget(Long.MAX_VALUE, Long.MAX_VALUE));
            } finally {
                engine.remove(container);
            }
            JsonNode info = JSON.readTree(tmp.resolve("BUILD-INFO.json").toFile());
            ObjectNode build = JSON.createObjectNode();
            build.put("id", id);
            build.put("sourceHash", hash);
            build.put("builtAt", start.toString());
            build.put("builderImage", rt().builderImage());
            build.put("builderImageId", inputs.imageId(rt().builderImage()));
            build.put("package", rt().source() != null ? "source:" + rt().source() : rt().packageSpec());
            build.set("python", info.path("python"));
            build.set("packages", info.path("packages"));
            String agentVersion = info.path("agent").path("version").asText("");
            build.put("agentVersion", agentVersion);
            build.put("sessionLayout", Layout.sessionLayout(agentVersion));
            build.set("channels", JSON.valueToTree(rt().channels()));

            status.accept("[3/4] building the runtime image " + imageTag + " from " + rt().baseImage());
            buildImage(inputs.imageFiles(), null, null, imageTag, inputs.imageArgs(), noCache, status, output);
            built = true;
            ImageInfo image = engine.image(imageTag)
                    .orElseThrow(() -> AgentctlException.failed(
                            "the runtime image " + imageTag + " was built but is not on the Docker host", null));
            build.put("image", imageTag);
            build.put("imageId", image.id());
            AtomicFiles.write(tmp.resolve(RuntimeRef.BUILD_JSON), JSON.writeValueAsString(build) + "\n");
            AtomicFiles.write(tmp.resolve("VERSION.txt"), versionText(build));

            status.accept("[4/4] switching runtime/current to " + id);
            Path finalDir = builds.dir().resolve("venv-" + id);
            AtomicFiles.moveDirectory(tmp, finalDir);
            tmp = null;
            builds.switchLink("current", finalDir);
            switched = true;
            if (current.isPresent() && !current.get().equals(finalDir)) {
                builds.switchLink("previous", current.get());
            }
            tagLatest(engine, rt(), imageTag);
            builds.writePortableCopy(finalDir);
            builds.prune(engine);
            return new BuildResult(
                    false,
                    id,
                    image.id(),
                    image.size(),
                    RuntimeBuilds.sizeOf(finalDir),
                    Duration.between(start, Instant.now()));
        } catch (IOException e) {
            throw AgentctlException.failed("runtime build failed: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteTree(tmp);
            }
            if (built && !switched) {
                engine.untagImage(imageTag);
            }
        }
    }

    /** "repo/name" of "repo/name:tag" (also "host:5000/name:tag"). */
    static String repository(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    /** Moves runtime.image (REPOSITORY:latest) onto the given image. */
    static void tagLatest(ContainerEngine engine, FleetConfig.Runtime rt, String image) {
        String latest = rt.image();
        String repo = repository(latest);
        if (!image.equals(latest)) {
            engine.tagImage(
                    image, repo, latest.length() > repo.length() ? latest.substring(repo.length() + 1) : "latest");
        }
    }

    private void buildImage(
            Map<String, byte[]> files,
            Path source,
            Path wheels,
            String tag,
            Map<String, String> args,
            boolean noCache,
            Consumer<String> status,
            Consumer<String> output)
            throws IOException {
        Path context = BuildInputs.context(builds.dir(), files, source, wheels);
        try (InputStream in = Files.newInputStream(context)) {
            engine.buildImage(in, tag, args, noCache, line -> {
                output.accept(line);
                if (line.startsWith("Step ")) {
                    status.accept("      " + shortStep(line));
                }
            });
        } finally {
            Files.deleteIfExists(context);
        }
    }

    /** A build step as one short line: "Step 3/5 : RUN set -eu; ..." cut at 100 characters. */
    public static String shortStep(String step) {
        String one = step.lines().findFirst().orElse("").strip();
        return one.length() > 100 ? one.substring(0, 97) + "..." : one;
    }

    static String versionText(JsonNode b) {
        StringBuilder sb = new StringBuilder();
        sb.append("agentctl runtime build ").append(b.path("id").asText()).append('\n');
        sb.append("built:        ").append(b.path("builtAt").asText()).append('\n');
        sb.append("python:       ").append(b.path("python").asText()).append('\n');
        sb.append("installed:    ").append(b.path("package").asText()).append('\n');
        sb.append("source hash:  ").append(b.path("sourceHash").asText()).append('\n');
        sb.append("builder:      ")
                .append(b.path("builderImage").asText())
                .append(" (")
                .append(b.path("builderImageId").asText())
                .append(")\n");
        sb.append("\npackages:\n");
        for (JsonNode p : b.path("packages")) {
            sb.append("  ")
                    .append(p.path("name").asText())
                    .append("==")
                    .append(p.path("version").asText())
                    .append('\n');
        }
        return sb.toString();
    }

    /** The stable JSON shape of {@code runtime status}. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        Optional<Path> cur = builds.current();
        m.put("built", cur.isPresent());
        cur.ifPresent(p -> {
            JsonNode b = RuntimeBuilds.info(p);
            m.put("id", b.path("id").asText());
            m.put("builtAt", b.path("builtAt").asText());
            m.put("python", b.path("python").asText());
            m.put("package", b.path("package").asText());
            Map<String, String> pk = new LinkedHashMap<>();
            b.path("packages")
                    .forEach(n ->
                            pk.put(n.path("name").asText(), n.path("version").asText()));
            m.put("packages", pk);
            try {
                m.put("stale", !b.path("sourceHash").asText().equals(inputs.hash()));
            } catch (AgentctlException e) {
                if (e.exitCode() != AgentctlException.BAD_INPUT) {
                    throw e;
                }
                m.put("stale", null);
                m.put("staleReason", e.getMessage());
            }
            m.put("path", p.toString());
            m.put("runtimeSize", RuntimeBuilds.sizeOf(p));
        });
        builds.previous()
                .ifPresent(p -> m.put("previous", p.getFileName().toString().substring("venv-".length())));
        String image = cur.map(builds::imageOf).orElse(rt().image());
        m.put("image", image);
        engine.image(image).ifPresent(i -> {
            m.put("imageId", i.id());
            m.put("imageSize", i.size());
        });
        return m;
    }
}
