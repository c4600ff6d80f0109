package dev.agentctl.io;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A folder that a program agentctl does not trust can write to (an instance's config/ or workspace/, written by an
 * agent with a shell tool). The one way agentctl touches such a tree:
 *
 * <ul>
 *   <li>every operation is relative to an open directory handle (openat, unlinkat, renameat), one name at a time,
 *       never following a link: a link, a FIFO or a device where a file or folder is expected is an error;
 *   <li>files are opened read-write without following links, which never blocks on a FIFO, and must be seekable
 *       (a regular file) before a byte is read; reads are bounded by the caller, never by a size the tree reports;
 *   <li>files are written whole in a trusted folder beside the tree (one no container sees, on the same file
 *       system), with their final mode and owner set there, then renamed into place through the handle: nothing is
 *       ever created, re-opened, chmodded or chowned by name inside the tree;
 *   <li>nothing's mode or owner inside the tree is changed.
 * </ul>
 */
public final class UntrustedDir implements Closeable {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final SecureDirectoryStream<Path> dir;
    private final Path where;
    private final Path staging;
    private final List<UntrustedDir> children = new ArrayList<>();

    private UntrustedDir(SecureDirectoryStream<Path> dir, Path where, Path staging) {
        this.dir = dir;
        this.where = where;
        this.staging = staging;
    }

    /**
     * Opens {@code trustedParent/name}: the parent must be a folder only agentctl writes to (the instance folder);
     * {@code name} must be a real folder there, not a link. Files written into the tree are prepared in
     * {@code trustedParent}.
     */
    public static UntrustedDir open(Path trustedParent, String name) throws IOException {
        checkName(name);
        DirectoryStream<Path> parent = Files.newDirectoryStream(trustedParent);
        if (!(parent instanceof SecureDirectoryStream<Path> sp)) {
            parent.close();
            throw new IOException("this platform cannot open folders without following links (" + trustedParent + ")");
        }
        try (sp) {
            return new UntrustedDir(
                    sp.newDirectoryStream(Path.of(name), NOFOLLOW), trustedParent.resolve(name), trustedParent);
        } catch (FileSystemException e) {
            throw refused(trustedParent.resolve(name), "is not a real folder (a link, or missing)", e);
        }
    }

    /** Where this folder is, for messages. */
    public Path path() {
        return where;
    }

    /** A real sub-folder (never a link); closed with this one. */
    public UntrustedDir dir(String name) throws IOException {
        checkName(name);
        StallGuard.tick("opening the folder " + where.resolve(name));
        try {
            UntrustedDir d =
                    new UntrustedDir(dir.newDirectoryStream(Path.of(name), NOFOLLOW), where.resolve(name), staging);
            children.add(d);
            return d;
        } catch (NoSuchFileException e) {
            throw e;
        } catch (FileSystemException e) {
            throw refused(where.resolve(name), "is not a real folder (a link or a file)", e);
        }
    }

    /** The sub-folder at a relative path ("memory" or "a/b"), each step a real folder. */
    public UntrustedDir resolveDir(String relative) throws IOException {
        UntrustedDir d = this;
        for (String part : parts(relative)) {
            d = d.dir(part);
        }
        return d;
    }

    /** Attributes of an entry, not following a link; empty when there is none. */
    public Optional<PosixFileAttributes> stat(String name) throws IOException {
        checkName(name);
        try {
            return Optional.of(dir.getFileAttributeView(Path.of(name), PosixFileAttributeView.class, NOFOLLOW)
                    .readAttributes());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The names in this folder, sorted. */
    public List<String> list() {
        List<String> names = new ArrayList<>();
        for (Path p : dir) {
            names.add(p.getFileName().toString());
        }
        names.sort(null);
        return names;
    }

    /**
     * Opens a regular file for reading without following a link and without blocking on a FIFO. The channel is
     * positioned at 0; the caller closes it.
     */
    public SeekableByteChannel openFile(String name) throws IOException {
        checkName(name);
        StallGuard.tick("opening " + where.resolve(name));
        Path p = Path.of(name);
        SeekableByteChannel ch;
        try {
            // read-write: opening a FIFO so never waits for a writer; nothing is written
            ch = dir.newByteChannel(p, Set.<OpenOption>of(StandardOpenOption.READ, StandardOpenOption.WRITE, NOFOLLOW));
        } catch (AccessDeniedException e) {
            ch = readOnly(p);
        } catch (FileSystemException e) {
            String reason = String.valueOf(e.getReason());
            if (reason.contains("busy")) { // a running executable cannot be opened for writing
                ch = readOnly(p);
            } else if (reason.contains("symbolic link") || reason.contains("Is a directory")) {
                throw refused(where.resolve(name), "is not a regular file", e);
            } else {
                throw e;
            }
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("symbolic link")) {
                throw refused(where.resolve(name), "is a link, which agentctl never follows", e);
            }
            throw e;
        }
        try {
            ch.position(0); // a FIFO or socket cannot seek
            return ch;
        } catch (IOException e) {
            ch.close();
            throw refused(where.resolve(name), "is not a regular file", e);
        }
    }

    private SeekableByteChannel readOnly(Path p) throws IOException {
        PosixFileAttributes a = dir.getFileAttributeView(p, PosixFileAttributeView.class, NOFOLLOW)
                .readAttributes();
        if (!a.isRegularFile()) {
            throw refused(where.resolve(p.toString()), "is not a regular file", null);
        }
        return dir.newByteChannel(p, Set.<OpenOption>of(StandardOpenOption.READ, NOFOLLOW));
    }

    /**
     * At most {@code max} bytes of a regular file; a longer file is an error naming the bound. An open that blocks
     * (see {@link StallGuard}) is given up.
     */
    public byte[] read(String name, long max) throws IOException {
        return StallGuard.run(StallGuard.QUIET, () -> readNow(name, max));
    }

    private byte[] readNow(String name, long max) throws IOException {
        try (SeekableByteChannel ch = openFile(name);
                InputStream in = Channels.newInputStream(ch)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > max) {
                    throw refused(where.resolve(name), "is larger than " + max + " bytes", null);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** As {@link #read}, or empty when there is no such entry. */
    public Optional<byte[]> readIfExists(String name, long max) throws IOException {
        if (stat(name).isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(read(name, max));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Replaces {@code name} with {@code content}: written in the trusted folder with its final mode (and owner, when
     * {@code uid >= 0}), synced, then renamed over whatever {@code name} is (a link there is replaced, never
     * followed).
     */
    public void write(String name, byte[] content, Set<java.nio.file.attribute.PosixFilePermission> perms, int uid)
            throws IOException {
        checkName(name);
        Path tmp = Files.createTempFile(
                staging,
                ".agentctl-write-",
                ".tmp",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(perms));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, NOFOLLOW)) {
                ch.write(ByteBuffer.wrap(content));
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, perms);
            if (uid >= 0) {
                Files.setAttribute(tmp, "unix:uid", uid, NOFOLLOW);
                Files.setAttribute(tmp, "unix:gid", uid, NOFOLLOW);
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(staging)) {
                ((SecureDirectoryStream<Path>) s).move(tmp.getFileName(), dir, Path.of(name));
            }
            tmp = null;
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * The text of the link {@code name}. Java has no readlinkat, so this one call goes by path; the link's identity
     * (device and inode) is compared through the handle before and by path after, so a folder on the way swapped
     * for a link is noticed. What it can return is a link's text, never a file's content.
     */
    public String readLink(String name) throws IOException {
        checkName(name);
        StallGuard.tick("reading the link " + where.resolve(name));
        PosixFileAttributes viaHandle = dir.getFileAttributeView(Path.of(name), PosixFileAttributeView.class, NOFOLLOW)
                .readAttributes();
        Path p = where.resolve(name);
        String target = Files.readSymbolicLink(p).toString();
        PosixFileAttributes viaPath = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW);
        if (!viaHandle.isSymbolicLink() || !java.util.Objects.equals(viaHandle.fileKey(), viaPath.fileKey())) {
            throw refused(p, "changed while it was read", null);
        }
        return target;
    }

    /**
     * Copies this folder's tree into {@code target} (a new folder in a trusted place): files (each up to the size it
     * had when looked at, and only while it fits the free space), folders and links (as links, never followed), with
     * their modes and mtimes; to run under a {@link StallGuard}. FIFOs,
     * sockets and devices are skipped; their paths are returned. {@code leaveOut}: names left out at the top.
     */
    public List<String> copyTo(Path target, Set<String> leaveOut) throws IOException {
        List<String> skipped = new ArrayList<>();
        copyTo(target, "", leaveOut, skipped);
        return skipped;
    }

    private void copyTo(Path target, String prefix, Set<String> leaveOut, List<String> skipped) throws IOException {
        if (prefix.chars().filter(c -> c == '/').count() > 256 || prefix.length() > 3072) {
            throw refused(where, "is nested too deep to copy", null);
        }
        Files.createDirectories(target);
        for (String name : list()) {
            if (leaveOut.contains(name)) {
                continue;
            }
            Optional<PosixFileAttributes> a = stat(name);
            if (a.isEmpty()) {
                continue;
            }
            Path t = target.resolve(name);
            if (a.get().isDirectory()) {
                try (UntrustedDir sub = dir(name)) {
                    sub.copyTo(t, prefix + name + "/", Set.of(), skipped);
                }
            } else if (a.get().isSymbolicLink()) {
                Files.createSymbolicLink(t, Path.of(readLink(name)));
            } else if (a.get().isRegularFile()) {
                long size0 = a.get().size();
                if (Files.getFileStore(target).getUsableSpace() - (64L << 20) < size0) {
                    throw refused(
                            where.resolve(name),
                            "says it holds " + size0 + " bytes, more than the free space" + " of " + target,
                            null);
                }
                try (SeekableByteChannel in = openFile(name);
                        FileChannel out = FileChannel.open(
                                t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW)) {
                    long size = a.get().size();
                    for (long done = 0; done < size; ) {
                        StallGuard.tick("copying " + where.resolve(name));
                        long n = out.transferFrom(in, done, Math.min(size - done, 1 << 24));
                        if (n <= 0) {
                            break; // it shrank while being copied
                        }
                        done += n;
                    }
                }
                Files.setPosixFilePermissions(t, a.get().permissions());
                Files.setLastModifiedTime(t, a.get().lastModifiedTime());
            } else {
                skipped.add(prefix + name);
            }
        }
        PosixFileAttributes self =
                dir.getFileAttributeView(PosixFileAttributeView.class).readAttributes();
        Files.setPosixFilePermissions(target, self.permissions());
        Files.setLastModifiedTime(target, self.lastModifiedTime());
    }

    /** Removes a file or link (never what a link points at); absent is fine. */
    public void deleteFile(String name) throws IOException {
        checkName(name);
        try {
            dir.deleteFile(Path.of(name));
        } catch (NoSuchFileException ignored) {
            // already gone
        }
    }

    /**
     * Removes a sub-folder and everything in it, through handles, never following a link. However deep the tree,
     * at most {@link #DELETE_DEPTH} folders are open at once: deeper folders are first moved up beside it.
     */
    public void deleteTree(String name) throws IOException {
        checkName(name);
        java.util.Deque<String> todo = new java.util.ArrayDeque<>(List.of(name));
        String prefix = ".agentctl-deleting-" + Long.toHexString(System.nanoTime()) + "-";
        int[] moved = {0};
        while (!todo.isEmpty()) {
            deleteBounded(todo.pop(), 0, this, todo, prefix, moved);
        }
    }

    static final int DELETE_DEPTH = 32;

    private void deleteBounded(
            String name, int depth, UntrustedDir top, java.util.Deque<String> todo, String prefix, int[] moved)
            throws IOException {
        Optional<PosixFileAttributes> a = stat(name);
        if (a.isEmpty()) {
            return;
        }
        if (!a.get().isDirectory()) {
            dir.deleteFile(Path.of(name));
            return;
        }
        StallGuard.tick("opening the folder " + where.resolve(name));
        try (UntrustedDir sub =
                new UntrustedDir(dir.newDirectoryStream(Path.of(name), NOFOLLOW), where.resolve(name), staging)) {
            try {
                // a folder restored read-only must not block its own removal (fchmod on the open folder)
                sub.dir
                        .getFileAttributeView(PosixFileAttributeView.class)
                        .setPermissions(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            } catch (IOException ignored) {
                // not ours to change: unlinking below reports the real problem
            }
            for (String child : sub.list()) {
                Optional<PosixFileAttributes> c = sub.stat(child);
                if (depth >= DELETE_DEPTH && c.isPresent() && c.get().isDirectory()) {
                    String up = prefix + moved[0]++;
                    sub.dir.move(Path.of(child), top.dir, Path.of(up));
                    todo.push(up);
                } else {
                    sub.deleteBounded(child, depth + 1, top, todo, prefix, moved);
                }
            }
        }
        dir.deleteDirectory(Path.of(name));
    }

    /** Deletes {@code path} (a file, a link, or a whole folder tree) without following any link inside it. */
    public static void deleteTree(Path path) throws IOException {
        Path abs = path.toAbsolutePath().normalize();
        if (!Files.exists(abs, NOFOLLOW)) {
            return;
        }
        try (DirectoryStream<Path> parent = Files.newDirectoryStream(abs.getParent())) {
            if (!(parent instanceof SecureDirectoryStream<Path> sp)) {
                throw new IOException("this platform cannot delete without following links (" + abs + ")");
            }
            // the wrapper is not closed: the try closes the handle it wraps
            new UntrustedDir(sp, abs.getParent(), abs.getParent())
                    .deleteTree(abs.getFileName().toString());
        }
    }

    /**
     * The real sub-folder {@code name}, made (owner-only, owned by {@code uid} when that is not -1) when there is
     * none: prepared in the trusted folder and renamed in, since no folder is ever made by name inside the tree.
     */
    public UntrustedDir ensureDir(String name, int uid) throws IOException {
        checkName(name);
        if (stat(name).isEmpty()) {
            Path tmp = Files.createTempDirectory(
                    staging,
                    ".agentctl-dir-",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            try {
                if (uid >= 0) {
                    Files.setAttribute(tmp, "unix:uid", uid, NOFOLLOW);
                    Files.setAttribute(tmp, "unix:gid", uid, NOFOLLOW);
                }
                placeNew(name, tmp);
                tmp = null;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made meanwhile: opened below, and refused there unless a real folder
            } finally {
                if (tmp != null) {
                    Files.deleteIfExists(tmp);
                }
            }
        }
        return dir(name);
    }

    /**
     * Renames {@code trusted} (a file or folder in a folder only agentctl writes to, on the same file system) into
     * this folder as {@code name}; refused when {@code name} is already there.
     */
    public void placeNew(String name, Path trusted) throws IOException {
        checkName(name);
        if (stat(name).isPresent()) {
            throw new java.nio.file.FileAlreadyExistsException(
                    where.resolve(name).toString());
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(trusted.getParent())) {
            ((SecureDirectoryStream<Path>) s).move(trusted.getFileName(), dir, Path.of(name));
        }
    }

    /** Renames an entry within this folder (the entry itself, never what a link points at). */
    public void rename(String from, String to) throws IOException {
        checkName(from);
        checkName(to);
        dir.move(Path.of(from), dir, Path.of(to));
    }

    @Override
    public void close() throws IOException {
        for (UntrustedDir c : children) {
            c.close();
        }
        StallGuard.close(dir);
    }

    /** "a/b/c" as names; refuses absolute paths, "..", empty and "." parts. */
    public static List<String> parts(String relative) {
        List<String> out = new ArrayList<>();
        for (String p : relative.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                checkName(p);
                out.add(p);
            }
        }
        if (relative.startsWith("/")) {
            throw new IllegalArgumentException("not a relative path: " + relative);
        }
        return out;
    }

    private static void checkName(String name) {
        if (name == null
                || name.isEmpty()
                || name.equals(".")
                || name.equals("..")
                || name.indexOf('/') >= 0
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a single file name: '" + name + "'");
        }
    }

    private static IOException refused(Path p, String why, Exception cause) {
        IOException e = new IOException(p + " " + why);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
