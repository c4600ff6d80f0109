package dev.agentctl.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.TarWriter;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.RuntimeRef;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The runtime builds on disk: runtime/venv-ID folders, the runtime/current and runtime/previous links (switched
 * atomically), the portable runtime/venv.tar.gz, and which builds (and their image tags) may go.
 */
public final class RuntimeBuilds {
    private final Fleet fleet;

    public RuntimeBuilds(Fleet fleet) {
        this.fleet = fleet;
    }

    Path dir() {
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

    public List<Path> all() throws IOException {
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

    static JsonNode info(Path build) {
        return RuntimeRef.info(build);
    }

    /**
     * A rollback that changes where the agent keeps its sessions: nanobot after 0.3.0 moves them from the workspace
     * into the config folder at start, so going back to 0.3.0 shows no history unless they are carried back.
     */
    public record LayoutChange(String fromVersion, String fromLayout, String toVersion, String toLayout) {}

    /** The layout change a rollback would make now, if any (builds that do not record theirs are not compared). */
    public Optional<LayoutChange> rollbackLayoutChange() {
        Optional<Path> cur = current();
        Optional<Path> prev = previous();
        if (cur.isEmpty() || prev.isEmpty()) {
            return Optional.empty();
        }
        JsonNode a = info(cur.get());
        JsonNode b = info(prev.get());
        String from = a.path("sessionLayout").asText("");
        String to = b.path("sessionLayout").asText("");
        return from.isEmpty() || to.isEmpty() || from.equals(to)
                ? Optional.empty()
                : Optional.of(new LayoutChange(
                        a.path("agentVersion").asText(),
                        from,
                        b.path("agentVersion").asText(),
                        to));
    }

    /** The image of a build (its own tag; runtime.image for a build made before builds had one). */
    public String imageOf(Path build) {
        return RuntimeRef.of(fleet, build).image();
    }

    void switchLink(String name, Path target) throws IOException {
        Path tmpLink = dir().resolve("." + name + ".tmp");
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, dir().relativize(target));
        AtomicFiles.move(tmpLink, dir().resolve(name));
    }

    /** runtime/venv.tar.gz: the current build, portable to another host (extract it at the mount path). */
    void writePortableCopy(Path build) throws IOException {
        Path target = dir().resolve("venv.tar.gz");
        Path tmp = dir().resolve(".venv.tar.gz.partial");
        try (OutputStream out = Files.newOutputStream(tmp);
                GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16);
                TarWriter tar = new TarWriter(gz)) {
            tar.tree(
                    build,
                    Path.of(fleet.config().runtime().mountPath()).getFileName().toString(),
                    null);
            tar.finish();
        }
        AtomicFiles.move(tmp, target);
    }

    /** Removes builds other than current and previous that no container mounts any more, with their image tags. */
    void prune(ContainerEngine engine) throws IOException {
        Set<String> keep = new HashSet<>();
        current().ifPresent(p -> keep.add(p.getFileName().toString()));
        previous().ifPresent(p -> keep.add(p.getFileName().toString()));
        for (ContainerInfo c : engine.containers(
                Map.of(ContainerSpec.LABEL_FLEET, fleet.config().name()))) {
            keep.add(c.label(ContainerSpec.LABEL_RUNTIME));
        }
        for (Path b : all()) {
            if (!keep.contains(b.getFileName().toString())) {
                String image = imageOf(b);
                AtomicFiles.deleteTree(b);
                if (!image.equals(fleet.config().runtime().image())) {
                    engine.untagImage(image);
                }
            }
        }
    }

    /** Leftovers of a killed build: partial folders, context tars and the portable copy being written. */
    List<Path> cleanPartials() throws IOException {
        if (!Files.isDirectory(dir())) {
            return List.of();
        }
        List<Path> gone;
        try (Stream<Path> s = Files.list(dir())) {
            gone = s.filter(p -> {
                        String n = p.getFileName().toString();
                        return n.endsWith(".partial") || (n.startsWith(".context-") && n.endsWith(".tar"));
                    })
                    .toList();
        }
        for (Path p : gone) {
            AtomicFiles.deleteTree(p);
        }
        return gone;
    }

    /**
     * Switches runtime/current back to the previous build (and previous to the one that was current), and moves
     * runtime.image back onto the previous build's image.
     */
    public String rollback(ContainerEngine engine) {
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
            RuntimeBuilder.tagLatest(engine, fleet.config().runtime(), image);
            writePortableCopy(prev);
        } catch (IOException e) {
            throw AgentctlException.failed("rollback failed: " + e.getMessage(), e);
        }
        return prev.getFileName().toString().substring("venv-".length());
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
