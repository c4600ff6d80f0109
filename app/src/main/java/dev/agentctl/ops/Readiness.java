package dev.agentctl.ops;

import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.LogQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a running agent really works, from its own start-up log: nanobot's /health answers as soon as the gateway
 * listens, even with every channel dropped or no usable provider. The log since the container (re)started is read
 * up to the health endpoint line, the last line of nanobot's start-up; its failure lines make the instance
 * degraded. An agent that logs none of nanobot's lines gets no verdict (health alone counts).
 */
public final class Readiness {
    /** {@code known}: the start-up finished in the log read; {@code problems} empty: ready. */
    public record Verdict(boolean known, List<String> problems) {
        public boolean degraded() {
            return known && !problems.isEmpty();
        }

        static final Verdict UNKNOWN = new Verdict(false, List.of());
    }

    /** nanobot's start-up is a few dozen lines; a container that logs this much before it never finishes it. */
    static final int MAX_LINES = 5000;

    static final long MAX_BYTES = 4L << 20;

    private static final Pattern NO_LIBRARIES =
            Pattern.compile("Could not prepare dependencies for enabled channel '([^']+)'");
    private static final Pattern NOT_STARTED =
            Pattern.compile("Channel '([^']+)' not started: secret field '([^']+)' is empty");
    private static final Pattern INCOMPLETE = Pattern.compile("Provider/model setup is incomplete:?\\s*(.*)");

    /** How a missing channel library is worded in a problem (what blames a runtime build). */
    static final String NO_LIBRARIES_WORDS = "has no libraries in the runtime";

    /** At most this many problems, each at most this long, printable characters only: the text is the agent's. */
    static final int MAX_PROBLEMS = 10;

    static final int MAX_PROBLEM_CHARS = 200;

    private Readiness() {}

    /**
     * Reads the log of a running container's current run; UNKNOWN for one that does not run or whose log cannot be
     * read (a logging driver that keeps none, a container removed meanwhile): then health alone counts.
     */
    public static Verdict of(ContainerEngine engine, ContainerInfo c) {
        try {
            return read(engine, c);
        } catch (RuntimeException e) {
            return Verdict.UNKNOWN;
        }
    }

    private static Verdict read(ContainerEngine engine, ContainerInfo c) {
        if (!c.running() || c.startedAt() == null) {
            return Verdict.UNKNOWN;
        }
        List<String> lines = new ArrayList<>();
        long[] bytes = {0};
        engine.logsWhile(c.id(), new LogQuery(false, null, (int) c.startedAt().getEpochSecond(), false), line -> {
            lines.add(line);
            bytes[0] += line.length();
            return !line.contains("✓ Health endpoint") && lines.size() < MAX_LINES && bytes[0] < MAX_BYTES;
        });
        return parse(lines);
    }

    /** The verdict of a start-up log (pure: what the tests feed it). */
    public static Verdict parse(List<String> lines) {
        List<String> problems = new ArrayList<>();
        boolean done = false;
        for (String line : lines) {
            Matcher m;
            if ((m = NO_LIBRARIES.matcher(line)).find()) {
                add(
                        problems,
                        "channel " + m.group(1) + " " + NO_LIBRARIES_WORDS + " (add it to runtime.channels"
                                + " in fleet.yaml, then agentctl runtime build)");
            } else if ((m = NOT_STARTED.matcher(line)).find()) {
                add(problems, "channel " + m.group(1) + " not started: its " + m.group(2) + " is empty");
            } else if ((m = INCOMPLETE.matcher(line)).find()) {
                add(
                        problems,
                        "provider setup incomplete"
                                + (m.group(1).isBlank() ? "" : ": " + m.group(1).strip()));
            } else if (line.contains("Warning: No channels enabled")) {
                add(problems, "no chat channel enabled, nobody can reach it (agentctl channel enable NAME CHANNEL)");
            } else if (line.contains("✓ Health endpoint")) {
                done = true;
                break;
            }
        }
        return done ? new Verdict(true, List.copyOf(problems)) : Verdict.UNKNOWN;
    }

    private static void add(List<String> problems, String p) {
        String clean = printable(p);
        if (!problems.contains(clean) && problems.size() < MAX_PROBLEMS) {
            problems.add(clean);
        }
    }

    /** Text an agent wrote, fit to show a person: control and format characters as ?, at most 200 characters. */
    static String printable(String text) {
        String clean = text.replaceAll("[\\p{Cntrl}\\p{Cf}]", "?");
        return clean.length() > MAX_PROBLEM_CHARS ? clean.substring(0, MAX_PROBLEM_CHARS) + "..." : clean;
    }
}
