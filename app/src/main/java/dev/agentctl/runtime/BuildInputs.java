package dev.agentctl.runtime;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ImageInfo;
import dev.agentctl.fleet.Channels;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Skeleton;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.TarWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What a runtime build is made of: the Dockerfile templates and build arguments (the channels' libraries among
 * them), the package spec or the files of a local source folder, the wheelhouse's files, and the ids of the builder
 * and base images. Their hash says whether a build is up to date.
 */
final class BuildInputs {
    /** Folders of a Python checkout that never belong in a build (and would make the hash unstable). */
    static final Set<String> SKIP = Set.of(
            ".git",
            "__pycache__",
            ".venv",
            "venv",
            "build",
            "dist",
            ".tox",
            ".mypy_cache",
            ".pytest_cache",
            "node_modules");

    private final Fleet fleet;
    private final ContainerEngine engine;

    BuildInputs(Fleet fleet, ContainerEngine engine) {
        this.fleet = fleet;
        this.engine = engine;
    }

    FleetConfig.Runtime rt() {
        return fleet.config().runtime();
    }

    Path source() {
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

    /** runtime.wheelhouse: a folder of wheels (or a simple index) pip installs from, for hosts without PyPI. */
    Path wheelhouse() {
        String w = rt().wheelhouse();
        if (w == null) {
            return null;
        }
        Path p = fleet.root().resolve(w).normalize();
        if (!Files.isDirectory(p)) {
            throw AgentctlException.badInput("runtime.wheelhouse '" + w + "' is not a folder (looked in " + p + ")");
        }
        return p;
    }

    static List<Path> wheelFiles(Path wheelhouse) throws IOException {
        try (Stream<Path> walk = Files.walk(wheelhouse)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted()
                    .toList();
        }
    }

    Map<String, byte[]> builderFiles() {
        return Map.of("Dockerfile", template("builder.Dockerfile"));
    }

    Map<String, byte[]> imageFiles() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("Dockerfile", template("image.Dockerfile"));
        f.put("agent-entrypoint", template("agent-entrypoint"));
        f.put("agent-health", template("agent-health"));
        return f;
    }

    private byte[] template(String name) {
        return Skeleton.required(fleet, "templates/runtime/" + name).getBytes(StandardCharsets.UTF_8);
    }

    Map<String, String> builderArgs() {
        String pkg = rt().packageSpec() == null ? "" : rt().packageSpec();
        if (!rt().extras().isEmpty() && !pkg.isEmpty() && !pkg.contains("[")) {
            int at = pkg.indexOf("==");
            String extras = "[" + String.join(",", rt().extras()) + "]";
            pkg = at < 0 ? pkg + extras : pkg.substring(0, at) + extras + pkg.substring(at);
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("BUILDER_IMAGE", rt().builderImage());
        a.put("PACKAGE", pkg);
        List<String> pip = new java.util.ArrayList<>(rt().pipArgs());
        if (rt().wheelhouse() != null) {
            pip.addAll(List.of("--find-links", "/ctx/wheels"));
        }
        a.put("PIP_ARGS", String.join(" ", pip));
        // the channels' libraries, installed at build time: the gateway cannot install them into a read-only runtime
        a.put("CHANNEL_REQS", String.join(" ", Channels.requirements(rt().channels())));
        a.put("VENV", rt().mountPath());
        return a;
    }

    Map<String, String> imageArgs() {
        return Map.of("BASE_IMAGE", rt().baseImage(), "MOUNT_PATH", rt().mountPath());
    }

    /** Equal hash: nothing to rebuild. */
    String hash() {
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
                for (Path p : sourceFiles(src)) {
                    add.accept(src.relativize(p).toString());
                    md.update(Hashing.sha256().digest(Files.readAllBytes(p)));
                }
            }
            Path wheels = wheelhouse();
            if (wheels != null) {
                for (Path p : wheelFiles(wheels)) {
                    add.accept("wheels/" + wheels.relativize(p));
                    md.update(Hashing.sha256().digest(Files.readAllBytes(p)));
                }
            }
            return Hashing.hex(md);
        } catch (IOException e) {
            throw AgentctlException.failed("cannot read the runtime source: " + e.getMessage(), e);
        }
    }

    String imageId(String ref) {
        return engine.image(ref)
                .map(ImageInfo::id)
                .orElseThrow(() -> AgentctlException.badInput(
                        "image '" + ref + "' is not on this Docker host; pull it (docker pull " + ref
                                + ") or set another in fleet.yaml runtime:"));
    }

    /** Files of a source folder, in a stable order, without the folders above or *.pyc / *.egg-info. */
    static List<Path> sourceFiles(Path source) throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> {
                        for (Path part : source.relativize(p)) {
                            String n = part.toString();
                            if (SKIP.contains(n) || n.endsWith(".egg-info")) {
                                return false;
                            }
                        }
                        return !p.toString().endsWith(".pyc");
                    })
                    .sorted()
                    .toList();
        }
    }

    /** A Docker build context: the named files (agent-* executable) and, optionally, a source folder under src/. */
    static Path context(Path tmpDir, Map<String, byte[]> files, Path source, Path wheels) throws IOException {
        Path tar = Files.createTempFile(tmpDir, ".context-", ".tar");
        try (OutputStream out = Files.newOutputStream(tar);
                TarWriter t = new TarWriter(out)) {
            for (var e : files.entrySet()) {
                t.file(e.getKey(), e.getValue(), e.getKey().startsWith("agent-") ? 0755 : 0644, null);
            }
            if (source != null) {
                t.tree(source, "src", sourceFiles(source));
            }
            if (wheels != null) {
                t.tree(wheels, "wheels", wheelFiles(wheels));
            }
            t.finish();
        }
        return tar;
    }
}
