package dev.agentctl.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every path under a folder with its type, mode and content (as a SHA-256), so a test can assert that a command
 * left a tree byte-for-byte as it was: {@code assertThat(TreeSnapshot.of(root)).isEqualTo(before)}.
 */
public final class TreeSnapshot {
    private TreeSnapshot() {}

    public static Map<String, String> of(Path root) {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = root.relativize(p).toString();
                if (rel.equals(".agentctl/journal.jsonl")) {
                    continue; // the operations journal records every attempt that took the lock: see JournalTest
                }
                out.put(rel.isEmpty() ? "." : rel, describe(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** What changed from {@code before} to {@code after}, one line per path; empty when nothing did. */
    public static java.util.List<String> diff(Map<String, String> before, Map<String, String> after) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : before.entrySet()) {
            String now = after.get(e.getKey());
            if (now == null) {
                out.add("removed " + e.getKey());
            } else if (!now.equals(e.getValue())) {
                out.add("changed " + e.getKey() + ": " + e.getValue() + " -> " + now);
            }
        }
        for (String k : after.keySet()) {
            if (!before.containsKey(k)) {
                out.add("added " + k + " (" + after.get(k) + ")");
            }
        }
        return out;
    }

    private static String describe(Path p) throws IOException {
        if (Files.isSymbolicLink(p)) {
            return "link -> " + Files.readSymbolicLink(p);
        }
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return "dir " + mode;
        }
        byte[] bytes = Files.readAllBytes(p);
        return "file " + mode + " " + bytes.length + " bytes sha256=" + sha256(bytes);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
