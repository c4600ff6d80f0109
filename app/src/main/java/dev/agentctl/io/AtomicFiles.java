package dev.agentctl.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Files written whole or not at all: a temporary file in the same folder, synced, then moved over the target. */
public final class AtomicFiles {
    public static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {}

    public static void write(Path target, String content) {
        write(target, content.getBytes(StandardCharsets.UTF_8), PUBLIC_FILE);
    }

    public static void write(Path target, String content, Set<PosixFilePermission> perms) {
        write(target, content.getBytes(StandardCharsets.UTF_8), perms);
    }

    public static void write(Path target, byte[] content, Set<PosixFilePermission> perms) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(
                    dir, "." + target.getFileName() + ".", ".tmp", PosixFilePermissions.asFileAttribute(perms));
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, perms);
            move(tmp, target);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary name is hidden and never read
                }
            }
        }
    }

    /** Atomic rename within one file system, replacing the target. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically (different file systems?)", e);
        }
    }

    /** Renames a folder into place; fails if the target exists. */
    public static void moveDirectory(Path from, Path to) throws IOException {
        if (Files.exists(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(to.toString());
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Copies a folder tree: files with their modes and mtimes, symlinks as symlinks (never followed), skipping
     * what {@code skip} says (given the source path).
     */
    public static void copyTree(Path from, Path to, java.util.function.Predicate<Path> skip) throws IOException {
        List<Path> dirs = new java.util.ArrayList<>();
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (skip.test(p)) {
                    continue;
                }
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(t, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                    dirs.add(p);
                } else if (Files.isRegularFile(p)) {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
        for (Path d : dirs) {
            Path t = to.resolve(from.relativize(d).toString());
            Files.setPosixFilePermissions(t, Files.getPosixFilePermissions(d));
            Files.setLastModifiedTime(t, Files.getLastModifiedTime(d));
        }
    }

    /** Deletes a tree, symlinks as links, also folders without write permission. */
    public static void deleteTree(Path root) {
        try {
            UntrustedDir.deleteTree(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root + ": " + e.getMessage(), e);
        }
    }
}
