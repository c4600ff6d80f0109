package dev.agentctl.ops;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.Stats;
import dev.agentctl.engine.StatsSample;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Live CPU and memory of running containers. CPU% is a container's share of the host's CPU time between two readings
 * of its counters, times the cores (as docker stats computes it): the reading the last status of this fleet root kept,
 * when it is at most {@link #RECENT} old, otherwise a second reading a second after the first (an engine before
 * Docker 24.0.7 answers a one-shot at its stats collector's next tick, a later one at once). Never a guess: two
 * readings less than {@link #MIN} apart give no CPU% (memory is shown all the same).
 */
public final class LiveStats {
    static final Duration RECENT = Duration.ofSeconds(30);
    static final Duration MIN = Duration.ofMillis(500);
    /** How long after the first reading the second one is taken. */
    static final Duration WINDOW = Duration.ofSeconds(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private LiveStats() {}

    public static Map<String, Stats> read(Fleet fleet, ContainerEngine engine, Collection<String> ids) {
        Path file = fleet.stateDir().resolve("stats.json");
        Map<String, StatsSample> kept = load(file);
        long t0 = System.nanoTime();
        Map<String, StatsSample> now = engine.samples(ids);
        Map<String, Stats> out = new HashMap<>();
        List<String> again = new ArrayList<>();
        now.forEach((id, s) -> {
            OptionalDouble cpu = since(kept.get(id), s);
            if (cpu.isPresent()) {
                out.put(id, s.withCpu(cpu.getAsDouble()));
            } else {
                again.add(id);
            }
        });
        Map<String, StatsSample> latest = new HashMap<>(now);
        if (!again.isEmpty()) {
            sleep(WINDOW.toNanos() - (System.nanoTime() - t0));
            Map<String, StatsSample> later = engine.samples(again);
            for (String id : again) {
                StatsSample s = later.getOrDefault(id, now.get(id));
                latest.put(id, s);
                OptionalDouble cpu = since(now.get(id), s);
                out.put(id, s.withCpu(cpu.isPresent() ? cpu.getAsDouble() : null));
            }
        }
        save(file, kept, latest);
        return out;
    }

    private static void sleep(long nanos) {
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static OptionalDouble since(StatsSample before, StatsSample s) {
        if (before == null || s.readNanos() - before.readNanos() > RECENT.toNanos()) {
            return OptionalDouble.empty();
        }
        return s.cpuPercentSince(before, MIN);
    }

    /** The readings kept by the last status: container id to [read, cpu, system, cores]; none if unreadable. */
    private static Map<String, StatsSample> load(Path file) {
        Map<String, StatsSample> out = new HashMap<>();
        try {
            if (!Files.isRegularFile(file)) {
                return out;
            }
            Map<String, long[]> m = JSON.readValue(file.toFile(), new TypeReference<Map<String, long[]>>() {});
            m.forEach((id, v) -> {
                if (v != null && v.length == 4) {
                    out.put(id, new StatsSample(v[0], v[1], v[2], (int) v[3], 0, 0)); // as row() wrote it
                }
            });
        } catch (java.io.IOException | RuntimeException e) {
            // a damaged file only costs a second reading
        }
        return out;
    }

    /** A reading as stats.json keeps it: [read, cpu, system, cores] (memory is not needed again). */
    private static long[] row(StatsSample s) {
        return new long[] {s.readNanos(), s.cpuNanos(), s.systemNanos(), s.onlineCpus()};
    }

    /** Keeps the newest reading of each container, dropping those too old to be used again. */
    private static void save(Path file, Map<String, StatsSample> kept, Map<String, StatsSample> latest) {
        long newest =
                latest.values().stream().mapToLong(StatsSample::readNanos).max().orElse(0);
        Map<String, long[]> m = new HashMap<>();
        kept.forEach((id, s) -> {
            if (newest - s.readNanos() <= RECENT.toNanos()) {
                m.put(id, row(s));
            }
        });
        latest.forEach((id, s) -> m.put(id, row(s)));
        try {
            if (Files.isDirectory(file.getParent())) {
                AtomicFiles.write(file, JSON.writeValueAsString(m) + "\n", AtomicFiles.PRIVATE_FILE);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // read-only for this user: the next status takes a second reading
        }
    }
}
