package dev.agentctl.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Instance folders and helpers shared by the backup tests. */
final class Fixtures {

    static final String LONG_DIR = "workspace/skills/" + "a-rather-long-skill-folder-name-".repeat(3);
    static final String LONG_FILE = LONG_DIR + "/" + "notes-".repeat(30) + ".md";
    static final String UNICODE_FILE = "workspace/memory/caf\u00e9-\u65e5\u672c\u8a9e-\uD83D\uDE00.md";

    private Fixtures() {}

    static BackupWriter.Metadata meta(String instance) {
        return new BackupWriter.Metadata(instance, 18790, "anthropic/claude-sonnet", "rt-2026.1", "0.1.0", null, null);
    }

    static Clock clockAt(String instant) {
        return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
    }

    /** True when this JVM can put non-ASCII names on disk (needs a UTF-8 locale on Java 17). */
    static boolean unicodeFileNames() {
        String jnu = System.getProperty("sun.jnu.encoding", "");
        try {
            return Charset.forName(jnu).equals(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** An instance folder shaped like the real ones, with every kind of thing a backup must keep. */
    static Path instance(Path root, String name) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name));
        write(dir, "config/config.json", "{\"gateway\":{\"host\":\"0.0.0.0\",\"port\":18790}}\n", "rw-r--r--");
        write(dir, ".env", "OPENAI_API_KEY=sk-test\n", "rw-------");
        write(dir, "docker-compose.override.yml", "services: {}\n", "rw-r--r--");
        write(dir, "INSTANCE_INFO.txt", "instance " + name + "\n", "rw-r--r--");
        write(dir, "instance.yaml", "name: " + name + "\nport: 18790\n", "rw-r--r--");
        write(dir, "workspace/SOUL.md", "# soul\n", "rw-r--r--");
        write(dir, "workspace/bin/tool.sh", "#!/bin/sh\necho hi\n", "rwxr-x---");
        byte[] binary = new byte[300_000];
        new java.util.Random(42).nextBytes(binary); // incompressible: the archive is large enough to fail half-way
        Files.createDirectories(dir.resolve("workspace/sessions"));
        Files.write(dir.resolve("workspace/sessions/chat.jsonl"), binary);
        write(dir, LONG_FILE, "long name\n", "rw-r--r--");
        if (unicodeFileNames()) write(dir, UNICODE_FILE, "unicode name\n", "rw-r--r--");
        Files.createDirectories(dir.resolve("workspace/cron")); // empty folder
        Files.createDirectories(dir.resolve("config/auth")); // empty, private folder
        Files.setPosixFilePermissions(dir.resolve("config/auth"), PosixFilePermissions.fromString("rwx------"));
        Files.createSymbolicLink(dir.resolve("workspace/current-soul"), Path.of("SOUL.md"));
        Files.createSymbolicLink(dir.resolve("dangling"), Path.of("workspace/not-there"));
        // owner-only, as agentctl makes instance folders (a restore never opens the top folder to others)
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        // distinct, sub-second times everywhere, folders last so creating children does not move them
        setTimesDeepestFirst(dir);
        return dir;
    }

    static void write(Path dir, String rel, String content, String perms) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    }

    private static void setTimesDeepestFirst(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = new ArrayList<>(s.toList());
        }
        all.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        long t = 1_600_000_000L;
        for (Path p : all) {
            FileTime ft = FileTime.from(Instant.ofEpochSecond(t += 3600, 123_456_789));
            Files.getFileAttributeView(
                            p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(ft, null, null);
        }
    }

    /**
     * Everything about a tree a restore must give back: type, content hash, permission bits, mtime (to the
     * microsecond the archive keeps) and symlink targets, keyed by relative path.
     */
    static TreeMap<String, String> describe(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.toList();
        }
        for (Path p : all) {
            String rel = root.relativize(p).toString();
            String mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                    .toInstant()
                    .truncatedTo(ChronoUnit.MICROS)
                    .toString();
            String what;
            if (Files.isSymbolicLink(p)) {
                what = "symlink -> " + Files.readSymbolicLink(p);
            } else {
                String perms =
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                what = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        ? "dir " + perms
                        : "file " + perms + " " + sha256(p);
            }
            out.put(rel.isEmpty() ? "." : rel, what + " @" + mtime);
        }
        return out;
    }

    static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) >= 0) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> names(Path dir) throws IOException {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
