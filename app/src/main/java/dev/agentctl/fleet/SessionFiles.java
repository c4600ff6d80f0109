package dev.agentctl.fleet;

import dev.agentctl.io.StallGuard;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An instance's nanobot sessions, wherever either layout keeps them: {@code workspace/sessions/<id>.jsonl} (nanobot
 * 0.3.0) and {@code config/sessions/<32-hex workspace id>/<id>.jsonl} (after 0.3.0). The agent writes these folders,
 * so they are read through {@link UntrustedDir} handles, never following a link; sizes and times are the tree's own
 * word (its stat), used only to choose what to archive and to report, never to bound a copy.
 */
public final class SessionFiles {
    /** One session file; {@code path} is relative to the instance folder, {@code layout} a {@link Layout} constant. */
    public record Session(String id, String path, String layout, long bytes, Instant lastActivity) {}

    public record Listing(List<Session> sessions) {
        /** Their sizes added up, saturating (the sizes are the agent's word). */
        public long bytes() {
            return sessions.stream().mapToLong(Session::bytes).reduce(0, SessionFiles::plus);
        }
    }

    /** More session files than this in one instance and the listing is refused: no real agent has that many. */
    public static final int MAX_SESSIONS = 1_000_000;

    private static final Pattern WORKSPACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final String SUFFIX = ".jsonl";

    private SessionFiles() {}

    /** Every session of the instance folder, oldest activity first. */
    public static Listing list(Path instanceDir) throws IOException {
        return StallGuard.run(StallGuard.QUIET, () -> {
            List<Session> out = new ArrayList<>();
            try (UntrustedDir ws = UntrustedDir.open(instanceDir, "workspace")) {
                Optional<UntrustedDir> d = sub(ws, "sessions");
                if (d.isPresent()) {
                    add(d.get(), "workspace/sessions", Layout.SESSIONS_IN_WORKSPACE, out);
                }
            }
            try (UntrustedDir cfg = UntrustedDir.open(instanceDir, "config")) {
                Optional<UntrustedDir> base = sub(cfg, "sessions");
                for (String id : base.isPresent() ? base.get().list() : List.<String>of()) {
                    Optional<UntrustedDir> d =
                            WORKSPACE_ID.matcher(id).matches() ? sub(base.get(), id) : Optional.empty();
                    if (d.isPresent()) {
                        try (UntrustedDir one = d.get()) { // closed now: thousands of folders, not thousands open
                            add(one, "config/sessions/" + id, Layout.SESSIONS_IN_CONFIG, out);
                        }
                    }
                }
            }
            out.sort(Comparator.comparing(Session::lastActivity).thenComparing(Session::path));
            return new Listing(List.copyOf(out));
        });
    }

    /** A real sub-folder, or empty when there is none (a link or a file there counts as none). */
    private static Optional<UntrustedDir> sub(UntrustedDir d, String name) throws IOException {
        Optional<PosixFileAttributes> a = d.stat(name);
        if (a.isEmpty() || !a.get().isDirectory()) {
            return Optional.empty();
        }
        try {
            return Optional.of(d.dir(name));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static void add(UntrustedDir d, String rel, String layout, List<Session> out) throws IOException {
        for (String name : d.list()) {
            if (!name.endsWith(SUFFIX) || name.length() == SUFFIX.length()) {
                continue;
            }
            Optional<PosixFileAttributes> a = d.stat(name);
            if (a.isEmpty() || !a.get().isRegularFile()) {
                continue; // links and folders are no sessions
            }
            if (out.size() >= MAX_SESSIONS) {
                throw new IOException(
                        d.path() + " holds more than " + MAX_SESSIONS + " session files, more than agentctl lists");
            }
            out.add(new Session(
                    name.substring(0, name.length() - SUFFIX.length()),
                    rel + "/" + name,
                    layout,
                    a.get().size(),
                    a.get().lastModifiedTime().toInstant()));
        }
    }

    /**
     * The folder (relative to the instance folder) where restored sessions go so that the agent sees them: with the
     * layout after 0.3.0, the folder of the workspace id the agent wrote; else, or before it wrote one, the
     * workspace's, which nanobot after 0.3.0 moves into its own at start.
     */
    public static String restoreFolder(Path instanceDir, String layout) throws IOException {
        if (Layout.SESSIONS_IN_CONFIG.equals(layout)) {
            Optional<byte[]> id;
            try (UntrustedDir ws = UntrustedDir.open(instanceDir, "workspace")) {
                Optional<UntrustedDir> dot = sub(ws, ".nanobot");
                id = dot.isPresent() ? dot.get().readIfExists("workspace-id", 256) : Optional.empty();
            }
            String text =
                    id.map(b -> new String(b, StandardCharsets.UTF_8).strip()).orElse("");
            if (WORKSPACE_ID.matcher(text).matches()) {
                return "config/sessions/" + text;
            }
        }
        return "workspace/sessions";
    }

    /** Bytes in the regular files of the instance's config/ and workspace/: see {@link #bytesUnder}. */
    public static long usage(Path instanceDir) throws IOException {
        return bytesUnder(instanceDir, "config", "workspace");
    }

    /**
     * Bytes in the regular files under folders of the instance ("config/logs"; their own word, as {@code du
     * --apparent-size} says), walked through handles, at most {@link #MAX_DEPTH} deep; a folder that is not there,
     * or is a link, holds nothing.
     */
    public static long bytesUnder(Path instanceDir, String... folders) throws IOException {
        return StallGuard.run(StallGuard.QUIET, () -> {
            long[] total = {0, 0}; // bytes, entries
            for (String folder : folders) {
                List<String> parts = UntrustedDir.parts(folder);
                try (UntrustedDir top = UntrustedDir.open(instanceDir, parts.get(0))) {
                    Optional<UntrustedDir> d = Optional.of(top);
                    for (String p : parts.subList(1, parts.size())) {
                        d = d.isPresent() ? sub(d.get(), p) : d;
                    }
                    if (d.isPresent()) {
                        walk(d.get(), 1, total);
                    }
                } catch (NoSuchFileException e) {
                    // none yet
                } catch (IOException e) {
                    if (!String.valueOf(e.getMessage()).contains("is not a real folder")) {
                        throw e;
                    }
                }
            }
            return total[0];
        });
    }

    static final int MAX_DEPTH = 256;

    /** a + b for sizes, never past Long.MAX_VALUE. */
    public static long plus(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static void walk(UntrustedDir d, int depth, long[] total) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException(d.path() + " is nested more than " + MAX_DEPTH + " folders deep");
        }
        for (String name : d.list()) {
            StallGuard.tick("measuring " + d.path());
            if (++total[1] > 10_000_000) {
                throw new IOException(d.path() + ": more than 10,000,000 files, more than agentctl measures");
            }
            Optional<PosixFileAttributes> a = d.stat(name);
            if (a.isEmpty()) {
                continue;
            }
            if (a.get().isRegularFile()) {
                total[0] = plus(total[0], a.get().size());
            } else if (a.get().isDirectory()) {
                try (UntrustedDir sub = d.dir(name)) {
                    walk(sub, depth + 1, total);
                } catch (NoSuchFileException e) {
                    // gone meanwhile
                }
            }
        }
    }
}
