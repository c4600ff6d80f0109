package dev.agentctl.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Skeleton;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.SafeTar;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The shared runtime: runtime/venv-ID folders (one per build), runtime/current and runtime/previous links, the
 * portable runtime/venv.tar.gz, and the slim runtime image: one tag per build (REPOSITORY:ID, recorded in the
 * build's agentctl-build.json), with runtime.image (REPOSITORY:latest) moved onto the current build's.
 */
public final class RuntimeManager {
    public static final String BUILD_JSON = "agentctl-build.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final DateTimeFormatter ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Fleet fleet;
    private final Engine engine;

    public RuntimeManager(Fleet fleet, Engine engine) {
        this.fleet = fleet;
        this.engine = engine;
    }

    private Path dir() {
        return fleet.runtimeDir();
    }

    public Optional<Path> current() {
        return link("current");
    }

    public Optional<Path> previous() {
        return link("previous");
    }

    private Optional<Path> link(String name) {
        Path l = dir().resolve(name);
        try {
            return Files.isSymbolicLink(l) ? Optional.of(l.toRealPath()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    // ---- what a build is made of

    private FleetConfig.Runtime rt() {
        return fleet.config().runtime();
    }

    private Path source() {
        String s = rt().source();
        if (s == null) {
            return null;
        }
        Path p = fleet.root().resolve(s).normalize();
        if (!Files.isRegularFile(p.resolve("pyproject.toml"))) {
            throw AgentctlException.badInput("runtime.source '" + s + "' has no pyproject.toml (looked in " + p + ")");
        }
        return p;
    }

    private Map<String, byte[]> builderFiles() {
        return Map.of(
                "Dockerfile",
                Skeleton.required(fleet, "templates/runtime/builder.Dockerfile").getBytes(StandardCharsets.UTF_8));
    }

    private Map<String, byte[]> imageFiles() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put(
                "Dockerfile",
                Skeleton.required(fleet, "templates/runtime/image.Dockerfile").getBytes(StandardCharsets.UTF_8));
        f.put(
                "agent-entrypoint",
                Skeleton.required(fleet, "templates/runtime/agent-entrypoint").getBytes(StandardCharsets.UTF_8));
        f.put(
                "agent-health",
                Skeleton.required(fleet, "templates/runtime/agent-health").getBytes(StandardCharsets.UTF_8));
        return f;
    }

    private Map<String, String> builderArgs() {
        String pkg = rt().packageSpec() == null ? "" : rt().packageSpec();
        if (!rt().extras().isEmpty() && !pkg.isEmpty() && !pkg.contains("[")) {
            int at = pkg.indexOf("==");
            String extras = "[" + String.join(",", rt().extras()) + "]";
            pkg = at < 0 ? pkg + extras : pkg.substring(0, at) + extras + pkg.substring(at);
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("BUILDER_IMAGE", rt().builderImage());
        a.put("PACKAGE", pkg);
        a.put("PIP_ARGS", String.join(" ", rt().pipArgs()));
        a.put("VENV", rt().mountPath());
        return a;
    }

    /**
     * The hash of everything a build is made of: package spec or source files, the Dockerfile templates and build
     * arguments, and the ids of the builder and base images. Equal hash: nothing to rebuild.
     */
    public String sourceHash() {
        try {
            MessageDigest md = Hashing.sha256();
            Consumer<String> add = s -> md.update((s + "\n").getBytes(StandardCharsets.UTF_8));
            builderArgs().forEach((k, v) -> add.accept(k + "=" + v));
            for (Map<String, byte[]> files : List.of(builderFiles(), imageFiles())) {
                files.forEach((k, v) -> {
                    add.accept(k);
                    md.update(v);
                });
            }
            add.accept("image=" + rt().image());
            add.accept("builder=" + imageId(rt().builderImage()));
            add.accept("base=" + imageId(rt().baseImage()));
            Path src = source();
            if (src != null) {
                for (Path p : BuildContext.sourceFiles(src)) {
                    add.accept(src.relativize(p).toString());
                    md.update(Hashing.sha256().digest(Files.readAllBytes(p)));
                }
            }
            return Hashing.hex(md);
        } catch (IOException e) {
            throw AgentctlException.failed("cannot read the runtime source: " + e.getMessage(), e);
        }
    }

    private String imageId(String ref) {
        return engine.image(ref)
                .map(Engine.ImageInfo::id)
                .orElseThrow(() -> AgentctlException.badInput(
                        "image '" + ref + "' is not on this Docker host; pull it (docker pull " + ref
                                + ") or set another in fleet.yaml runtime:"));
    }

    // ---- build

    public record BuildResult(
            boolean upToDate, String buildId, String imageId, long imageSize, long runtimeSize, Duration took) {}

    /**
     * Builds the runtime when its sources changed (or with force): builder image, venv copied out through the
     * archive API, VERSION.txt, venv.tar.gz, the runtime image; then switches runtime/current. A failure leaves
     * runtime/current and the image as they were.
     */
    public BuildResult build(boolean force, boolean noCache, Consumer<String> status, Consumer<String> output) {
        Instant start = Instant.now();
        String hash = sourceHash();
        Optional<JsonNode> cur = current().map(RuntimeManager::buildInfo);
        Optional<Engine.ImageInfo> curImage = current().flatMap(p -> engine.image(imageOf(p)));
        if (!force
                && cur.isPresent()
                && hash.equals(cur.get().path("sourceHash").asText())
                && curImage.isPresent()) {
            tagLatest(imageOf(current().get()));
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
            Files.createDirectories(dir());
            cleanPartials();
            String builderTag = fleet.config().name() + "-runtime-builder:latest";
            status.accept("[1/4] building the Python environment in " + rt().builderImage());
            buildImage(builderFiles(), source(), builderTag, builderArgs(), noCache, status, output);

            status.accept("[2/4] copying " + rt().mountPath() + " out of the builder");
            tmp = dir().resolve(".venv-" + id + ".partial");
            String container = engine.createPlain(builderTag, null, List.of("true"), List.of(), null);
            try (InputStream tar = engine.copyOut(container, rt().mountPath())) {
                String top = Path.of(rt().mountPath()).getFileName().toString();
                SafeTar.extract(
                        tar,
                        tmp,
                        SafeTar.Options.defaults()
                                .withPrefix(top)
                                .withLimits(SafeTar.Limits.unbounded())
                                .withOutsideSymlinksAllowed());
            } finally {
                engine.remove(container);
            }
            JsonNode info = JSON.readTree(tmp.resolve("BUILD-INFO.json").toFile());
            ObjectNode build = JSON.createObjectNode();
            build.put("id", id);
            build.put("sourceHash", hash);
            build.put("builtAt", start.toString());
            build.put("builderImage", rt().builderImage());
            build.put("builderImageId", imageId(rt().builderImage()));
            build.put("package", rt().source() != null ? "source:" + rt().source() : rt().packageSpec());
            build.set("python", info.path("python"));
            build.set("packages", info.path("packages"));

            status.accept("[3/4] building the runtime image " + imageTag + " from " + rt().baseImage());
            Map<String, String> imageArgs = Map.of("BASE_IMAGE", rt().baseImage(), "MOUNT_PATH", rt().mountPath());
            buildImage(imageFiles(), null, imageTag, imageArgs, noCache, status, output);
            built = true;
            Engine.ImageInfo image = engine.image(imageTag)
                    .orElseThrow(() -> AgentctlException.failed(
                            "the runtime image " + imageTag + " was built but is not on the Docker host", null));
            build.put("image", imageTag);
            build.put("imageId", image.id());
            AtomicFiles.write(tmp.resolve(BUILD_JSON), JSON.writeValueAsString(build) + "\n");
            AtomicFiles.write(tmp.resolve("VERSION.txt"), versionText(build));

            status.accept("[4/4] switching runtime/current to " + id);
            Path finalDir = dir().resolve("venv-" + id);
            AtomicFiles.moveDirectory(tmp, finalDir);
            tmp = null;
            Optional<Path> old = current();
            switchLink("current", finalDir);
            switched = true;
            if (old.isPresent() && !old.get().equals(finalDir)) {
                switchLink("previous", old.get());
            }
            tagLatest(imageTag);
            writePortableCopy(finalDir);
            prune();
            return new BuildResult(
                    false, id, image.id(), image.size(), sizeOf(finalDir), Duration.between(start, Instant.now()));
        } catch (IOException e) {
            throw AgentctlException.failed("runtime build failed: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteTree(tmp);
            }
            if (built && !switched) {
                engine.untag(imageTag);
            }
        }
    }

    /** The image of a build (its own tag; runtime.image for a build made before builds had one). */
    private String imageOf(Path build) {
        return SpecBuilder.image(rt(), build);
    }

    /** "repo/name" of "repo/name:tag" (also "host:5000/name:tag"). */
    static String repository(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    /** Moves runtime.image (REPOSITORY:latest) onto the given image. */
    private void tagLatest(String image) {
        String latest = rt().image();
        String repo = repository(latest);
        if (!image.equals(latest)) {
            engine.tag(image, repo, latest.length() > repo.length() ? latest.substring(repo.length() + 1) : "latest");
        }
    }

    private String buildImage(
            Map<String, byte[]> files,
            Path source,
            String tag,
            Map<String, String> args,
            boolean noCache,
            Consumer<String> status,
            Consumer<String> output)
            throws IOException {
        Path context = BuildContext.write(dir(), files, source);
        try (InputStream in = Files.newInputStream(context)) {
            return engine.build(in, tag, args, noCache, line -> {
                output.accept(line);
                if (line.startsWith("Step ")) {
                    status.accept("      " + (line.length() > 110 ? line.substring(0, 107) + "..." : line));
                }
            });
        } finally {
            Files.deleteIfExists(context);
        }
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

    private void switchLink(String name, Path target) throws IOException {
        Path tmpLink = dir().resolve("." + name + ".tmp");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, dir().relativize(target));
        AtomicFiles.move(tmpLink, dir().resolve(name));
    }

    /** runtime/venv.tar.gz: the current build, portable to another host (extract it at the mount path). */
    private void writePortableCopy(Path build) throws IOException {
        Path target = dir().resolve("venv.tar.gz");
        Path tmp = dir().resolve(".venv.tar.gz.partial");
        try (OutputStream out = Files.newOutputStream(tmp);
                GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            try (Stream<Path> walk = Files.walk(build)) {
                for (Path p : (Iterable<Path>) walk.sorted()::iterator) {
                    String name = Path.of(rt().mountPath()).getFileName()
                            + (p.equals(build) ? "" : "/" + build.relativize(p));
                    TarArchiveEntry e;
                    if (Files.isSymbolicLink(p)) {
                        e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                        e.setLinkName(Files.readSymbolicLink(p).toString());
                    } else {
                        e = new TarArchiveEntry(p.toFile(), name);
                    }
                    tar.putArchiveEntry(e);
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        try (InputStream in = Files.newInputStream(p)) {
                            in.transferTo(tar);
                        }
                    }
                    tar.closeArchiveEntry();
                }
            }
        }
        AtomicFiles.move(tmp, target);
    }

    /** Removes builds other than current and previous that no container mounts any more. */
    private void prune() throws IOException {
        Set<String> keep = new java.util.HashSet<>();
        current().ifPresent(p -> keep.add(p.getFileName().toString()));
        previous().ifPresent(p -> keep.add(p.getFileName().toString()));
        for (ContainerInfo c :
                engine.containers(ContainerSpec.LABEL_FLEET, fleet.config().name())) {
            keep.add(c.label(ContainerSpec.LABEL_RUNTIME));
        }
        for (Path b : builds()) {
            if (!keep.contains(b.getFileName().toString())) {
                String image = imageOf(b);
                AtomicFiles.deleteTree(b);
                if (!image.equals(rt().image())) {
                    engine.untag(image);
                }
            }
        }
    }

    private void cleanPartials() throws IOException {
        try (Stream<Path> s = Files.list(dir())) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".partial"))
                    .toList()) {
                AtomicFiles.deleteTree(p);
            }
        }
    }

    public List<Path> builds() throws IOException {
        if (!Files.isDirectory(dir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.getFileName().toString().startsWith("venv-")
                            && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .toList();
        }
    }

    static JsonNode buildInfo(Path build) {
        try {
            return JSON.readTree(build.resolve(BUILD_JSON).toFile());
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    // ---- rollback, status, verify

    /**
     * Switches runtime/current back to the previous build (and previous to the one that was current), and moves
     * runtime.image back onto the previous build's image.
     */
    public String rollback() {
        Path cur = current()
                .orElseThrow(() -> AgentctlException.badInput("no runtime build yet: run 'agentctl runtime build'"));
        Path prev =
                previous().orElseThrow(() -> AgentctlException.badInput("no previous runtime build to roll back to"));
        String image = imageOf(prev);
        if (engine.image(image).isEmpty()) {
            throw AgentctlException.badInput(
                    "the image " + image + " of the previous build is missing: cannot roll back to it");
        }
        try {
            switchLink("current", prev);
            switchLink("previous", cur);
            tagLatest(image);
            writePortableCopy(prev);
        } catch (IOException e) {
            throw AgentctlException.failed("rollback failed: " + e.getMessage(), e);
        }
        return prev.getFileName().toString().substring("venv-".length());
    }

    /** The stable JSON shape of {@code runtime status}. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        Optional<Path> cur = current();
        m.put("built", cur.isPresent());
        cur.ifPresent(p -> {
            JsonNode b = buildInfo(p);
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
                m.put("stale", !b.path("sourceHash").asText().equals(sourceHash()));
            } catch (AgentctlException e) {
                if (e.exitCode() != AgentctlException.BAD_INPUT) {
                    throw e;
                }
                m.put("stale", null);
                m.put("staleReason", e.getMessage());
            }
            m.put("path", p.toString());
            m.put("runtimeSize", sizeOf(p));
        });
        previous().ifPresent(p -> m.put("previous", p.getFileName().toString().substring("venv-".length())));
        String image = cur.map(this::imageOf).orElse(rt().image());
        m.put("image", image);
        engine.image(image).ifPresent(i -> {
            m.put("imageId", i.id());
            m.put("imageSize", i.size());
        });
        return m;
    }

    public record Check(String name, boolean ok, String detail) {}

    /** Runs throwaway containers of the image with the current runtime mounted read-only and checks it works. */
    public List<Check> verify() {
        Path cur = current()
                .orElseThrow(() -> AgentctlException.badInput("no runtime build yet: run 'agentctl runtime build'"));
        String image = imageOf(cur);
        if (engine.image(image).isEmpty()) {
            throw AgentctlException.badInput(
                    "runtime image " + image + " is missing: run 'agentctl runtime build --force'");
        }
        List<ContainerSpec.Mount> mount = List.of(new ContainerSpec.Mount(cur.toString(), rt().mountPath(), true));
        String user = "1000:1000";
        List<Check> checks = new ArrayList<>();
        List<String> version = new ArrayList<>(List.of(rt().command().get(0), "--version"));
        Engine.RunResult r = engine.runOnce(image, null, version, mount, user);
        checks.add(new Check(
                "command starts (" + String.join(" ", version) + ")",
                r.exitCode() == 0,
                r.output().strip()));
        // the image puts the mount's bin/ on PATH (so `exec nanobot` works); any python elsewhere is a failure
        String noPython = "command -v python3 python 2>/dev/null; "
                + "ls -d /usr/bin/python* /usr/local/bin/python* /usr/lib/python3* /usr/local/lib/python3* 2>/dev/null; true";
        r = engine.runOnce(image, List.of("/bin/sh", "-c"), List.of(noPython), mount, user);
        List<String> found = r.output()
                .lines()
                .filter(l -> !l.isBlank() && !l.startsWith(rt().mountPath() + "/"))
                .toList();
        checks.add(new Check(
                "no python outside " + rt().mountPath(),
                r.exitCode() == 0 && found.isEmpty(),
                found.isEmpty() ? "none found" : "found: " + String.join(" ", found)));
        r = engine.runOnce(
                image,
                List.of("/bin/sh", "-c"),
                List.of("touch " + rt().mountPath() + "/.agentctl-write-test 2>&1 && echo WRITABLE"),
                mount,
                "0:0");
        checks.add(new Check(
                rt().mountPath() + " is read-only (even for root)",
                !r.output().contains("WRITABLE"),
                r.output().strip()));
        return checks;
    }

    public static long sizeOf(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
