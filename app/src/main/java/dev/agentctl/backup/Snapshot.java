package dev.agentctl.backup;

import dev.agentctl.io.FileModes;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.StallGuard;
import dev.agentctl.io.UntrustedDir;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A private copy of a live instance folder that is consistent: a first pass copies everything while the instance
 * runs; a second pass, while it is held (paused or stopped), copies only what changed since (by type, size, mtime and
 * mode) and drops what went away. The live folder is walked through {@link UntrustedDir} handles, never following a
 * link; a file's bytes are read up to the size it had when looked at, never more. Each file is hashed as it is
 * copied, so the manifest is known before the archive is written.
 */
final class Snapshot implements Closeable {
    /** One entry, as it will be in the manifest; {@code path} "." is the folder itself. */
    record Item(String path, Manifest.Type type, long size, int mode, FileTime mtime, String sha256, String target) {
        Manifest.FileEntry entry() {
            return new Manifest.FileEntry(path, type, size, mode, mtime.toInstant(), sha256, target);
        }

        boolean same(PosixFileAttributes a, Manifest.Type t) {
            return t == type
                    && a.size() == size
                    && micros(a.lastModifiedTime()).equals(mtime)
                    && FileModes.bits(a.permissions()) == mode;
        }
    }

    /** Which part of the folder is taken: a folder is walked only when entered, a file or link only when taken. */
    interface Scope {
        boolean enter(String dir);

        boolean take(String path);

        Scope ALL = new Scope() {
            @Override
            public boolean enter(String dir) {
                return true;
            }

            @Override
            public boolean take(String path) {
                return true;
            }
        };
    }

    private final Path parent;
    private final String name;
    private final Path staging;
    private final Scope scope;
    private final Map<String, Item> items = new TreeMap<>();
    private final Set<String> warnings = new java.util.LinkedHashSet<>();
    private long bytesRead;

    /** A snapshot of {@code parent/name} (a folder that is not a link), kept in {@code staging} (made here). */
    Snapshot(Path parent, String name, Path staging) throws IOException {
        this(parent, name, staging, Scope.ALL);
    }

    /** As above, of only what {@code scope} takes. */
    Snapshot(Path parent, String name, Path staging, Scope scope) throws IOException {
        this.parent = parent;
        this.name = name;
        this.staging = staging;
        this.scope = scope;
        Files.createDirectories(staging);
        Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwx------"));
        // the copy and then the archive must both fit: half the free space, and never more than restore accepts
        long free = Files.getFileStore(staging).getUsableSpace();
        this.byteLimit = Math.min(ArchiveCheck.Limits.DEFAULT_BYTES, free / 2);
    }

    /** Deeper than this, or a longer path, and the folder is refused: no real workspace nests like that. */
    static final int MAX_DEPTH = 256;

    static final int MAX_PATH = 3072;

    /** What the copy may hold: sizes are the tree's word (a sparse 16 TB file costs the agent nothing). */
    private final long byteLimit;

    private long staged;

    /**
     * Copies what is new or changed since the last pass, and forgets what is gone; given up when a step keeps it
     * waiting (see {@link StallGuard}).
     */
    void pass() throws IOException {
        StallGuard.run(StallGuard.QUIET, () -> {
            passNow();
            return null;
        });
    }

    private void passNow() throws IOException {
        Set<String> seen = new HashSet<>();
        try (UntrustedDir root = UntrustedDir.open(parent, name)) {
            PosixFileAttributes top =
                    Files.readAttributes(parent.resolve(name), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            record(".", Manifest.Type.DIR, top, null, null);
            seen.add(".");
            walk(root, "", seen, 1);
        }
        for (String gone : new ArrayList<>(items.keySet())) {
            if (!seen.contains(gone)) {
                Item it = items.remove(gone);
                if (it.type() == Manifest.Type.FILE) {
                    staged -= it.size();
                    Files.deleteIfExists(copyOf(gone));
                }
            }
        }
    }

    private void walk(UntrustedDir dir, String rel, Set<String> seen, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException(clip(rel) + " is nested more than " + MAX_DEPTH + " folders deep");
        }
        for (String child : dir.list()) {
            String path = rel.isEmpty() ? child : rel + "/" + child;
            if (path.length() > MAX_PATH) {
                throw new IOException(clip(path) + " has a path longer than " + MAX_PATH + " characters");
            }
            if (items.size() >= ArchiveCheck.Limits.DEFAULT_ENTRIES && !items.containsKey(path)) {
                throw new IOException("more than " + ArchiveCheck.Limits.DEFAULT_ENTRIES
                        + " files and folders, more than a restore accepts");
            }
            PosixFileAttributes a = dir.stat(child).orElse(null);
            if (a == null || !(a.isDirectory() ? scope.enter(path) : scope.take(path))) {
                continue; // gone between list and look, or not wanted
            }
            Item old = items.get(path);
            if (old != null && old.type() != kind(a)) {
                forget(path); // a file became a folder, or the other way round
            }
            if (a.isDirectory()) {
                Files.createDirectories(copyOf(path));
                record(path, Manifest.Type.DIR, a, null, null);
                seen.add(path);
                try (UntrustedDir sub = dir.dir(child)) {
                    walk(sub, path, seen, depth + 1);
                } catch (java.nio.file.NoSuchFileException e) {
                    seen.remove(path);
                }
            } else if (a.isSymbolicLink()) {
                String target = dir.readLink(child);
                old = items.get(path);
                if (old == null || !old.same(a, Manifest.Type.SYMLINK) || !target.equals(old.target())) {
                    items.put(
                            path,
                            new Item(
                                    path,
                                    Manifest.Type.SYMLINK,
                                    0,
                                    FileModes.bits(a.permissions()),
                                    micros(a.lastModifiedTime()),
                                    null,
                                    target));
                }
                seen.add(path);
            } else if (a.isRegularFile()) {
                old = items.get(path);
                if (old == null || !old.same(a, Manifest.Type.FILE)) {
                    copy(dir, child, path, a);
                }
                seen.add(path);
            } else if (!items.containsKey(path)) {
                warnings.add("skipped " + path + ": not a regular file, folder or symlink");
            }
        }
    }

    private static Manifest.Type kind(PosixFileAttributes a) {
        return a.isDirectory() ? Manifest.Type.DIR : a.isSymbolicLink() ? Manifest.Type.SYMLINK : Manifest.Type.FILE;
    }

    /** Drops an entry (and, for a folder, everything under it) and its copy. */
    private void forget(String path) throws IOException {
        items.values().removeIf(it -> {
            boolean under = it.path().equals(path) || it.path().startsWith(path + "/");
            if (under && it.type() == Manifest.Type.FILE) {
                staged -= it.size();
            }
            return under;
        });
        UntrustedDir.deleteTree(copyOf(path));
    }

    private void record(String path, Manifest.Type type, PosixFileAttributes a, String sha, String target) {
        items.put(
                path,
                new Item(path, type, 0, FileModes.bits(a.permissions()), micros(a.lastModifiedTime()), sha, target));
    }

    /** Copies at most the size the file had when looked at (a file growing while read keeps its first bytes). */
    private void copy(UntrustedDir dir, String child, String path, PosixFileAttributes a) throws IOException {
        Item before = items.get(path);
        long was = before != null && before.type() == Manifest.Type.FILE ? before.size() : 0;
        if (staged - was + a.size() > byteLimit) {
            throw new IOException("its files hold more than " + byteLimit + " bytes (at " + clip(path) + ", which says"
                    + " it has " + a.size() + "): more than half the free space of " + staging.getParent()
                    + " or than a restore accepts; a backup needs room for a copy and the archive");
        }
        Path to = copyOf(path);
        Files.deleteIfExists(to);
        MessageDigest d = Hashing.sha256();
        long left = a.size();
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (SeekableByteChannel ch = dir.openFile(child);
                InputStream in = Channels.newInputStream(ch);
                OutputStream out = Files.newOutputStream(
                        to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            while (left > 0) {
                StallGuard.tick("copying " + path);
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    break; // it shrank: what there is
                }
                d.update(buf, 0, r);
                out.write(buf, 0, r);
                left -= r;
                n += r;
            }
        } catch (IOException e) {
            throw new IOException(path + ": " + BackupWriter.describe(e), e);
        }
        bytesRead += n;
        staged += n - was;
        items.put(
                path,
                new Item(
                        path,
                        Manifest.Type.FILE,
                        n,
                        FileModes.bits(a.permissions()),
                        micros(a.lastModifiedTime()),
                        Hashing.hex(d),
                        null));
    }

    private static String clip(String path) {
        return path.length() <= 120 ? path : path.substring(0, 60) + "..." + path.substring(path.length() - 40);
    }

    /** Where the copy of a live entry is (the staging folder holds real folders only, made here). */
    Path copyOf(String path) {
        return path.equals(".") ? staging : staging.resolve(path);
    }

    List<Item> items() {
        return List.copyOf(items.values());
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }

    long bytesRead() {
        return bytesRead;
    }

    int fileCount() {
        return (int) items.values().stream()
                .filter(i -> i.type() == Manifest.Type.FILE)
                .count();
    }

    /** What a PAX mtime keeps exactly, so that manifest, archive and restored file agree. */
    static FileTime micros(FileTime t) {
        return FileTime.from(t.toInstant().truncatedTo(ChronoUnit.MICROS));
    }

    @Override
    public void close() throws IOException {
        UntrustedDir.deleteTree(staging);
    }
}
