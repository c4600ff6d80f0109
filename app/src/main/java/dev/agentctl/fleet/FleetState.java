package dev.agentctl.fleet;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * What agentctl remembers per instance between runs, in .agentctl/state.json (written under the fleet lock, read
 * without it): the state a person asked for ({@code up}/{@code start}: running; {@code stop}: stopped) and the
 * config.json digest the running container was last started with.
 */
public final class FleetState {
    public enum Desired {
        RUNNING,
        STOPPED
    }

    /** One instance's record; null fields are unknown. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Record(Desired desired, String since, String container, String config, String model) {
        Record withDesired(Desired d, Instant at) {
            return new Record(d, at.toString(), container, config, model);
        }

        Record withApplied(String containerId, String configDigest, String runningModel) {
            return new Record(desired, since, containerId, configDigest, runningModel);
        }
    }

    private static final Record EMPTY = new Record(null, null, null, null, null);

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    record File(Map<String, Record> instances) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;

    public FleetState(Fleet fleet) {
        this.file = fleet.stateDir().resolve("state.json");
    }

    public Map<String, Record> all() {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return new TreeMap<>();
        }
        try {
            File f = JSON.readValue(file.toFile(), File.class);
            return f.instances() == null ? new TreeMap<>() : new TreeMap<>(f.instances());
        } catch (IOException e) {
            // a damaged state file must not stop the fleet: start afresh (the next write replaces it)
            return new TreeMap<>();
        }
    }

    public Record get(String instance) {
        return all().getOrDefault(instance, EMPTY);
    }

    public void setDesired(Iterable<String> instances, Desired desired) {
        Instant now = Instant.now();
        update(m -> {
            for (String i : instances) {
                m.put(i, m.getOrDefault(i, EMPTY).withDesired(desired, now));
            }
            return m;
        });
    }

    /** Records that {@code container} of {@code instance} was started with config.json at {@code configDigest}. */
    public void setApplied(String instance, String container, String configDigest, String model) {
        update(m -> {
            m.put(instance, m.getOrDefault(instance, EMPTY).withApplied(container, configDigest, model));
            return m;
        });
    }

    public void forget(String instance) {
        update(m -> {
            m.remove(instance);
            return m;
        });
    }

    private synchronized void update(UnaryOperator<Map<String, Record>> change) {
        Map<String, Record> m = change.apply(all());
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, JSON.writeValueAsString(new File(m)) + "\n", AtomicFiles.PRIVATE_FILE);
        } catch (IOException e) {
            throw AgentctlException.failed("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
