package dev.agentctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.io.RotatingFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The operations journal, {@code .agentctl/journal.jsonl}: one JSON line per command that changed the fleet (time,
 * user, command, instances, exit code, duration; values given with --env are never written), and what each
 * {@code maintain} run did. Rotated at 10 MB (journal.jsonl.1 ... .7).
 */
public final class Journal {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Journal() {}

    public static Path file(Fleet fleet) {
        return fleet.stateDir().resolve("journal.jsonl");
    }

    /** Appends one line; a journal that cannot be written never fails the command it records. */
    public static void append(Fleet fleet, ObjectNode line) {
        Path f = file(fleet);
        try {
            RotatingFile.append(f, JSON.writeValueAsString(line) + "\n");
        } catch (IOException ignored) {
            // the journal is a record, not a precondition
        }
    }

    /** A command's line: its words with every --env value masked, the instances it named, its exit code. */
    public static ObjectNode command(Fleet fleet, List<String> args, int code, Duration took) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", Instant.now().toString());
        n.put("user", System.getProperty("user.name"));
        n.put("pid", ProcessHandle.current().pid());
        var words = n.putArray("command");
        n.putArray("instances");
        List<String> known = fleet.instanceNames();
        boolean envValue = false;
        for (String a : args) {
            String w = a;
            if (envValue || a.startsWith("--env=")) {
                String body = a.startsWith("--env=") ? a.substring(6) : a;
                int eq = body.indexOf('=');
                w = (a.startsWith("--env=") ? "--env=" : "") + (eq < 0 ? body : body.substring(0, eq) + "=***");
            }
            envValue = a.equals("--env") || a.equals("-e");
            words.add(w);
            if (known.contains(a)) {
                mention(n, a);
            }
        }
        n.put("exitCode", code);
        n.put("durationMs", took.toMillis());
        return n;
    }

    /** Records that a line's command concerned {@code instance} (once). */
    public static void mention(ObjectNode line, String instance) {
        if (!mentions(line, instance)) {
            line.withArray("instances").add(instance);
        }
    }

    /** Whether a line's command concerned {@code instance}. */
    public static boolean mentions(JsonNode line, String instance) {
        for (JsonNode i : line.path("instances")) {
            if (i.asText().equals(instance)) {
                return true;
            }
        }
        return false;
    }

    /** The lines, oldest first, of the current file and its rotations. */
    public static List<JsonNode> read(Fleet fleet) {
        List<JsonNode> out = new ArrayList<>();
        Path f = file(fleet);
        for (int i = RotatingFile.KEEP; i >= 0; i--) {
            Path p = RotatingFile.rotation(f, i);
            if (!Files.isRegularFile(p)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    try {
                        out.add(JSON.readTree(line));
                    } catch (IOException torn) {
                        // a line cut by a crash: skipped
                    }
                }
            } catch (IOException ignored) {
                // unreadable rotation: skipped
            }
        }
        return out;
    }
}
