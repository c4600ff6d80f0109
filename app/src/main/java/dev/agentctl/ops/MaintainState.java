package dev.agentctl.ops;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code maintain} remembers between runs, in {@code .agentctl/maintain.json} (written only by agentctl, under
 * the fleet lock): each instance's recent restarts, the conditions that were active (so a notification is sent once
 * per change, not every run), where the verify rotation stands, and when the last restore test ran.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class MaintainState {
    /** instance -> epoch seconds of its restarts by maintain in the last 24 hours */
    public Map<String, List<Long>> restarts = new LinkedHashMap<>();
    /** condition key ("alice unhealthy", "disk /srv critical") -> its message, as last reported */
    public Map<String, String> conditions = new LinkedHashMap<>();

    public int verifyCursor;
    /** instance -> whether the archive of it verified last time maintain verified one, and when (epoch seconds) */
    public Map<String, Boolean> verifyOk = new LinkedHashMap<>();

    public Map<String, Long> verifyAt = new LinkedHashMap<>();
    /** epoch seconds */
    public long lastRestoreTest;

    public long lastRun;
    public String lastResult;
    public long lastDurationMillis;

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path file(Fleet fleet) {
        return fleet.stateDir().resolve("maintain.json");
    }

    /** The state of the last run; a fresh one when there is none (or it cannot be read: it is only a memory). */
    public static MaintainState load(Fleet fleet) {
        Path f = file(fleet);
        try {
            return Files.isRegularFile(f) ? JSON.readValue(f.toFile(), MaintainState.class) : new MaintainState();
        } catch (IOException e) {
            return new MaintainState();
        }
    }

    void save(Fleet fleet) throws IOException {
        Files.createDirectories(file(fleet).getParent());
        AtomicFiles.write(file(fleet), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }

    /** The restarts of {@code instance} within the 24 hours before {@code now} (older ones are forgotten). */
    List<Long> recentRestarts(String instance, Instant now) {
        List<Long> kept = new ArrayList<>();
        for (long t : restarts.getOrDefault(instance, List.of())) {
            if (t > now.getEpochSecond() - 86_400) {
                kept.add(t);
            }
        }
        restarts.put(instance, kept);
        return kept;
    }
}
