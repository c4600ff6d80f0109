package dev.agentctl.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Containers agentctl paused or stopped for its own work (a backup): a record is written in .agentctl/holds/ before
 * the container is held and removed once it is given back. A record whose process is gone (agentctl was killed) is
 * resumed by the next command that reaches the engine, which says so.
 */
public final class Holds {
    public enum Mode {
        PAUSE,
        STOP
    }

    /** {@code pid} and {@code started} identify the agentctl process holding it. */
    public record Hold(String container, String instance, Mode mode, long pid, String started, String since) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    public Holds(Fleet fleet) {
        this.dir = fleet.stateDir().resolve("holds");
    }

    /** Records that this process holds {@code container}; call before pausing or stopping it. */
    public void record(String container, String instance, Mode mode) {
        ProcessHandle self = ProcessHandle.current();
        Hold h = new Hold(
                container,
                instance,
                mode,
                self.pid(),
                started(self),
                Instant.now().toString());
        try {
            Files.createDirectories(dir);
            AtomicFiles.write(file(container), JSON.writeValueAsString(h) + "\n", AtomicFiles.PRIVATE_FILE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot record the hold of " + instance + " in " + dir, e);
        }
    }

    public void release(String container) {
        try {
            Files.deleteIfExists(file(container));
        } catch (IOException ignored) {
            // a stale record is resumed harmlessly later: unpausing a running container is refused, and skipped
        }
    }

    public List<Hold> all() {
        List<Hold> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().endsWith(".json")) {
                    try {
                        out.add(JSON.readValue(p.toFile(), Hold.class));
                    } catch (IOException e) {
                        Files.deleteIfExists(p); // unreadable: it can tell nothing, and must not block anything
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Holds whose process is gone. */
    public List<Hold> stale() {
        return all().stream().filter(h -> !alive(h)).toList();
    }

    /**
     * Gives back what killed runs held: unpauses or starts each container (still ours, still in the held state) and
     * removes the record. Returns one line per container given back.
     */
    public List<String> resumeStale(FleetContainers containers) {
        List<String> done = new ArrayList<>();
        ContainerEngine engine = containers.engine();
        for (Hold h : stale()) {
            Optional<ContainerInfo> c = engine.inspect(h.container());
            if (c.isPresent() && containers.ours(c.get())) {
                if (h.mode() == Mode.PAUSE && c.get().state() == ContainerState.PAUSED) {
                    engine.unpause(h.container());
                    done.add("unpaused " + h.instance() + " (a killed agentctl, pid " + h.pid() + ", paused it for a"
                            + " backup at " + h.since() + ")");
                } else if (h.mode() == Mode.STOP && !c.get().state().wasRunning()) {
                    engine.start(h.container());
                    done.add("started " + h.instance() + " again (a killed agentctl, pid " + h.pid()
                            + ", stopped it for a backup at " + h.since() + ")");
                }
            }
            release(h.container());
        }
        return done;
    }

    private Path file(String container) {
        return dir.resolve(container.replaceAll("[^A-Za-z0-9_.-]", "_") + ".json");
    }

    static boolean alive(Hold h) {
        return ProcessHandle.of(h.pid())
                .map(p -> started(p).equals(h.started()))
                .orElse(false);
    }

    private static String started(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toString).orElse("");
    }
}
