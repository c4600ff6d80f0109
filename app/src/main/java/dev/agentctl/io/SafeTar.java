package dev.agentctl.io;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Extracts an untrusted tar stream (plain or gzip, detected from the first bytes) into a folder.
 *
 * <p>Refuses absolute names, {@code ..} components, hard links, devices, FIFOs, symlinks whose target
 * leaves the target folder (unless {@link Options#allowOutsideSymlinks}), and archives over the size or
 * entry-count bound (an entry whose header claims more than the remaining budget is refused before a
 * byte of it is written). Never follows a symlink while writing: every parent folder of an entry must
 * be a real folder, and files are created with {@code CREATE_NEW} and {@code NOFOLLOW_LINKS}.
 * Restores permission bits and mtimes (folders after their content). Ownership is not restored.
 *
 * <p>The target must be absent or an empty folder; on any failure everything written below it is
 * removed again (and the target itself if this call created it), so a refused archive leaves nothing.
 */
public final class SafeTar {

    /** Bounds against archive bombs. */
    public record Limits(long maxBytes, long maxEntries) {
        public Limits {
            if (maxBytes < 0 || maxEntries < 0) throw new IllegalArgumentException("limits must be >= 0");
        }

        /** 4 GiB of file content and 100,000 entries: well above an instance folder, well below a full disk. */
        public static Limits defaults() {
            return new Limits(4L << 30, 100_000);
        }

        /** For trusted sources (our own container's archive API). */
        public static Limits unbounded() {
            return new Limits(Long.MAX_VALUE, Long.MAX_VALUE);
        }
    }

    /** Receives entries that fall outside {@link Options#prefix} (e.g. a backup's manifest.json). */
    @FunctionalInterface
    public interface OtherEntryHandler {
        void accept(String name, TarArchiveEntry entry, InputStream data) throws IOException;
    }

    /**
     * @param limits               size and entry-count bounds
     * @param prefix               if not null, only entries under {@code prefix/} are extracted, with that
     *                             first component removed ({@code "venv"} maps {@code venv/bin/x} to
     *                             {@code bin/x}); other entries go to {@code otherEntries} or are skipped
     * @param otherEntries         handler for entries outside the prefix (may be null: skipped)
     * @param allowOutsideSymlinks allow symlinks pointing outside the target (a venv's
     *                             {@code bin/python -> /usr/local/bin/python3}); they are still never followed here
     */
    public record Options(Limits limits, String prefix, OtherEntryHandler otherEntries, boolean allowOutsideSymlinks) {
        public Options {
            if (limits == null) throw new IllegalArgumentException("limits is required");
            if (prefix != null) {
                try {
                    prefix = normalizeName(prefix);
                } catch (UnsafeArchiveException e) {
                    throw new IllegalArgumentException("bad prefix: " + e.getMessage());
                }
                if (prefix.isEmpty()) prefix = null;
            }
        }

        public static Options defaults() {
            return new Options(Limits.defaults(), null, null, false);
        }

        public Options withPrefix(String newPrefix) {
            return new Options(limits, newPrefix, otherEntries, allowOutsideSymlinks);
        }

        public Options withLimits(Limits newLimits) {
            return new Options(newLimits, prefix, otherEntries, allowOutsideSymlinks);
        }

        public Options withOtherEntries(OtherEntryHandler handler) {
            return new Options(limits, prefix, handler, allowOutsideSymlinks);
        }

        public Options withOutsideSymlinksAllowed() {
            return new Options(limits, prefix, otherEntries, true);
        }
    }

    /** Counts, and the sha256 (hex) of every file written, by its path below the target ("a/b.txt"). */
    public record Result(
            long files, long directories, long symlinks, long bytes, long skipped, Map<String, String> sha256) {}

    /** A refused or unreadable archive; the message is one line naming the entry and the reason. */
    public static final class UnsafeArchiveException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String entry;

        public UnsafeArchiveException(String entry, String reason) {
            super("refused tar entry '" + printable(entry) + "': " + reason);
            this.entry = entry;
        }

        public UnsafeArchiveException(String message, Throwable cause) {
            super(message, cause);
            this.entry = null;
        }

        /** The entry name, or null when the archive itself is unreadable. */
        public String entry() {
            return entry;
        }
    }

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int MAX_LINK_HOPS = 40;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY = PosixFilePermissions.asFileAttribute(
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

    private SafeTar() {}

    /** A regular file entry (the three link flags tar uses for one). */
    public static boolean isRegular(TarArchiveEntry e) {
        byte f = e.getLinkFlag();
        return f == TarConstants.LF_NORMAL || f == TarConstants.LF_OLDNORM || f == TarConstants.LF_CONTIG;
    }

    public static Result extract(InputStream in, Path target) throws IOException {
        return extract(in, target, Options.defaults());
    }

    public static Result extract(InputStream in, Path target, Options options) throws IOException {
        Path root = target.toAbsolutePath().normalize();
        boolean created = prepareTarget(root);
        try {
            return new Extraction(root, options).run(in);
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteTree(root, !created);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Opens a tar stream, un-gzipping it when it starts with the gzip magic bytes. Names are read as UTF-8. */
    public static TarArchiveInputStream openTar(InputStream in) throws IOException {
        return new TarArchiveInputStream(decompressed(in), StandardCharsets.UTF_8.name());
    }

    private static InputStream decompressed(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, 65536);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        return (b1 == 0x1f && b2 == 0x8b) ? new GzipCompressorInputStream(buffered) : buffered;
    }

    /**
     * Checks an entry name and returns it as a clean relative path ("a/b/c", "" for the top folder).
     * Leading "./" and empty or "." components are dropped.
     *
     * @throws UnsafeArchiveException for absolute names, ".." components, NUL or backslash characters
     */
    public static String normalizeName(String name) throws UnsafeArchiveException {
        return String.join("/", safeSegments(name));
    }

    private static List<String> safeSegments(String name) throws UnsafeArchiveException {
        if (name == null || name.isEmpty()) throw new UnsafeArchiveException(name, "empty name");
        if (name.indexOf('\0') >= 0) throw new UnsafeArchiveException(name, "name contains a NUL character");
        if (name.indexOf('\\') >= 0) throw new UnsafeArchiveException(name, "name contains a backslash");
        if (name.startsWith("/")) throw new UnsafeArchiveException(name, "absolute path");
        if (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0))) {
            throw new UnsafeArchiveException(name, "absolute (drive-letter) path");
        }
        List<String> out = new ArrayList<>();
        for (String s : name.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..")) throw new UnsafeArchiveException(name, "path contains a '..' component");
            out.add(s);
        }
        return out;
    }

    static String printable(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 300; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    private static boolean prepareTarget(Path root) throws IOException {
        if (Files.isSymbolicLink(root)) throw new IOException("extraction target " + root + " is a symlink");
        if (Files.exists(root, NOFOLLOW)) {
            if (!Files.isDirectory(root, NOFOLLOW))
                throw new IOException("extraction target " + root + " is not a folder");
            try (Stream<Path> s = Files.list(root)) {
                if (s.findAny().isPresent()) throw new IOException("extraction target " + root + " is not empty");
            }
            return false;
        }
        Files.createDirectories(root);
        return true;
    }

    /**
     * Deletes a tree without following symlinks; makes folders writable first so read-only folders from an
     * archive do not block it. With {@code keepRoot} only the content is removed.
     */
    public static void deleteTree(Path root, boolean keepRoot) throws IOException {
        if (!Files.exists(root, NOFOLLOW)) return;
        if (Files.isDirectory(root, NOFOLLOW)) {
            try {
                Files.setPosixFilePermissions(
                        root,
                        EnumSet.of(
                                PosixFilePermission.OWNER_READ,
                                PosixFilePermission.OWNER_WRITE,
                                PosixFilePermission.OWNER_EXECUTE));
            } catch (IOException | UnsupportedOperationException ignored) {
                // best effort: listing below reports the real problem
            }
            List<Path> children;
            try (Stream<Path> s = Files.list(root)) {
                children = s.toList();
            }
            for (Path child : children) deleteTree(child, false);
        }
        if (!keepRoot) {
            try {
                Files.delete(root);
            } catch (NoSuchFileException ignored) {
                // already gone
            }
        }
    }

    private static final class Extraction {
        private final Path root;
        private final Options options;
        private final List<Pending> dirAttributes = new ArrayList<>();
        private final List<String> symlinks = new ArrayList<>();
        private long entries;
        private long bytes;
        private long files;
        private long dirs;
        private long links;
        private long skipped;
        private final Map<String, String> digests = new HashMap<>();

        private record Pending(Path path, int mode, FileTime mtime, int depth) {}

        Extraction(Path root, Options options) {
            this.root = root;
            this.options = options;
        }

        Result run(InputStream in) throws IOException {
            TailWindow tail;
            try {
                tail = new TailWindow(decompressed(in));
            } catch (IOException e) {
                throw new UnsafeArchiveException("unreadable archive: " + reason(e), e);
            }
            TarArchiveInputStream tar = new TarArchiveInputStream(tail, StandardCharsets.UTF_8.name());
            String last = null;
            while (true) {
                TarArchiveEntry entry;
                try {
                    entry = tar.getNextEntry();
                } catch (IOException | RuntimeException e) {
                    throw new UnsafeArchiveException(
                            "unreadable tar archive" + (last == null ? "" : " after entry '" + printable(last) + "'")
                                    + ": " + reason(e),
                            e);
                }
                if (entry == null) break;
                last = entry.getName();
                try {
                    handle(tar, entry);
                } catch (UnsafeArchiveException e) {
                    throw e;
                } catch (IOException e) {
                    throw new UnsafeArchiveException(
                            "extracting tar entry '" + printable(last) + "' failed: " + reason(e), e);
                }
            }
            if (!tail.endsWithZeroBlock()) {
                // a stream cut at a 512-byte boundary reads like a shorter archive: only the missing end marker tells
                throw new UnsafeArchiveException(
                        last == null
                                ? "not a tar archive (no entries, no end marker)"
                                : "tar archive ends without its end marker after entry '" + printable(last)
                                        + "' (truncated?)",
                        (Throwable) null);
            }
            if (!options.allowOutsideSymlinks()) {
                for (String link : symlinks) checkLinkStaysInside(link);
            }
            dirAttributes.sort(Comparator.comparingInt(Pending::depth).reversed());
            for (Pending p : dirAttributes) {
                setMode(p.path(), p.mode());
                Files.getFileAttributeView(p.path(), BasicFileAttributeView.class, NOFOLLOW)
                        .setTimes(p.mtime(), null, null);
            }
            return new Result(files, dirs, links, bytes, skipped, digests);
        }

        private void handle(TarArchiveInputStream tar, TarArchiveEntry entry) throws IOException {
            String name = entry.getName();
            if (++entries > options.limits().maxEntries()) {
                throw new UnsafeArchiveException(
                        name, "more than " + options.limits().maxEntries() + " entries");
            }
            List<String> segments = safeSegments(name);
            String prefix = options.prefix();
            if (prefix != null) {
                List<String> pre = List.of(prefix.split("/"));
                if (segments.size() < pre.size()
                        || !segments.subList(0, pre.size()).equals(pre)) {
                    checkDeclaredSize(entry);
                    bytes += entry.getSize();
                    skipped++;
                    if (options.otherEntries() != null) {
                        options.otherEntries().accept(String.join("/", segments), entry, new CountingInput(tar));
                    }
                    return;
                }
                segments = segments.subList(pre.size(), segments.size());
            }
            if (entry.isSymbolicLink()) {
                makeSymlink(name, segments, entry.getLinkName(), entry.getLastModifiedTime());
            } else if (entry.isLink()) {
                throw new UnsafeArchiveException(name, "hard links are not allowed");
            } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
                throw new UnsafeArchiveException(name, "device files are not allowed");
            } else if (entry.isFIFO()) {
                throw new UnsafeArchiveException(name, "FIFOs are not allowed");
            } else if (entry.isDirectory()) {
                makeDirectory(name, segments, entry);
            } else if (isRegular(entry)) {
                if (entry.isSparse()) throw new UnsafeArchiveException(name, "sparse files are not supported");
                writeFile(name, segments, entry, tar);
            } else {
                throw new UnsafeArchiveException(name, "unsupported entry type '" + (char) entry.getLinkFlag() + "'");
            }
        }

        private void checkDeclaredSize(TarArchiveEntry entry) throws UnsafeArchiveException {
            long size = entry.getSize();
            if (size < 0 || size > options.limits().maxBytes() - bytes) {
                throw new UnsafeArchiveException(
                        entry.getName(),
                        "declares " + size + " bytes, over the remaining "
                                + (options.limits().maxBytes() - bytes) + "-byte limit");
            }
        }

        /** Creates the missing parent folders of segments; every existing one must be a real folder. */
        private Path parentOf(String name, List<String> segments) throws IOException {
            Path dir = root;
            for (int i = 0; i < segments.size() - 1; i++) {
                dir = dir.resolve(segments.get(i));
                ensureRealDirectory(name, dir);
            }
            return dir;
        }

        private void ensureRealDirectory(String name, Path dir) throws IOException {
            BasicFileAttributes a = attrs(dir);
            if (a == null) {
                Files.createDirectory(dir);
            } else if (a.isSymbolicLink()) {
                throw new UnsafeArchiveException(name, "path goes through the symlink " + root.relativize(dir));
            } else if (!a.isDirectory()) {
                throw new UnsafeArchiveException(name, "path goes through the non-folder " + root.relativize(dir));
            }
        }

        private static BasicFileAttributes attrs(Path p) throws IOException {
            try {
                return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
            } catch (NoSuchFileException e) {
                return null;
            }
        }

        /** An existing non-folder at the place of a new entry is replaced (the link itself, never its target). */
        private void clearPlace(String name, Path p) throws IOException {
            BasicFileAttributes a = attrs(p);
            if (a == null) return;
            if (a.isDirectory()) throw new UnsafeArchiveException(name, "a folder of that name was already extracted");
            Files.delete(p);
        }

        private void makeDirectory(String name, List<String> segments, TarArchiveEntry entry) throws IOException {
            Path dir = root;
            for (String s : segments) {
                dir = dir.resolve(s);
                ensureRealDirectory(name, dir);
            }
            dirs++;
            dirAttributes.add(new Pending(dir, entry.getMode(), entry.getLastModifiedTime(), segments.size()));
        }

        private void writeFile(String name, List<String> segments, TarArchiveEntry entry, InputStream data)
                throws IOException {
            if (segments.isEmpty()) throw new UnsafeArchiveException(name, "a file cannot replace the target folder");
            checkDeclaredSize(entry);
            Path file = parentOf(name, segments).resolve(segments.get(segments.size() - 1));
            clearPlace(name, file);
            byte[] buf = new byte[65536];
            MessageDigest sha = Hashing.sha256();
            // created owner-only, so a secret is never readable by others before its mode is set below
            try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(
                    file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW), OWNER_ONLY))) {
                int n;
                while ((n = data.read(buf)) > 0) {
                    bytes += n;
                    if (bytes > options.limits().maxBytes()) {
                        throw new UnsafeArchiveException(
                                name,
                                "archive content exceeds the "
                                        + options.limits().maxBytes() + "-byte limit");
                    }
                    out.write(buf, 0, n);
                    sha.update(buf, 0, n);
                }
            }
            digests.put(String.join("/", segments), Hashing.hex(sha));
            setMode(file, entry.getMode());
            Files.getFileAttributeView(file, BasicFileAttributeView.class, NOFOLLOW)
                    .setTimes(entry.getLastModifiedTime(), null, null);
            files++;
        }

        private void makeSymlink(String name, List<String> segments, String target, FileTime mtime) throws IOException {
            if (segments.isEmpty())
                throw new UnsafeArchiveException(name, "a symlink cannot replace the target folder");
            if (target == null || target.isEmpty()) throw new UnsafeArchiveException(name, "symlink without a target");
            if (target.indexOf('\0') >= 0)
                throw new UnsafeArchiveException(name, "symlink target contains a NUL character");
            String rel = String.join("/", segments);
            if (!options.allowOutsideSymlinks() && lexicallyOutside(segments.subList(0, segments.size() - 1), target)) {
                throw new UnsafeArchiveException(
                        name, "symlink target '" + printable(target) + "' points outside the target folder");
            }
            Path link = parentOf(name, segments).resolve(segments.get(segments.size() - 1));
            clearPlace(name, link);
            try {
                Files.createSymbolicLink(link, Path.of(target));
            } catch (FileAlreadyExistsException e) {
                throw new UnsafeArchiveException(name, "already exists");
            }
            Files.getFileAttributeView(link, BasicFileAttributeView.class, NOFOLLOW)
                    .setTimes(mtime, null, null);
            symlinks.add(rel);
            links++;
        }

        private static boolean lexicallyOutside(List<String> parent, String target) {
            if (target.startsWith("/")) return true;
            Deque<String> stack = new ArrayDeque<>(parent);
            for (String s : target.split("/")) {
                if (s.isEmpty() || s.equals(".")) continue;
                if (s.equals("..")) {
                    if (stack.isEmpty()) return true;
                    stack.removeLast();
                } else {
                    stack.addLast(s);
                }
            }
            return false;
        }

        /**
         * Resolves a created symlink the way the kernel would, expanding links met on the way (they all lie in
         * the tree we wrote), and refuses it if any step leaves the target. Runs after all entries, because a
         * later entry can change what an earlier link's target means.
         */
        private void checkLinkStaysInside(String rel) throws IOException {
            List<String> segs = new ArrayList<>(List.of(rel.split("/")));
            String target = Files.readSymbolicLink(root.resolve(rel)).toString();
            Deque<String> path = new ArrayDeque<>(segs.subList(0, segs.size() - 1));
            if (!resolveInside(path, target, new int[] {0})) {
                throw new UnsafeArchiveException(
                        rel, "symlink target '" + printable(target) + "' resolves outside the target folder");
            }
        }

        private boolean resolveInside(Deque<String> path, String target, int[] hops) throws IOException {
            if (++hops[0] > MAX_LINK_HOPS) return false;
            if (target.startsWith("/")) return false;
            for (String s : target.split("/")) {
                if (s.isEmpty() || s.equals(".")) continue;
                if (s.equals("..")) {
                    if (path.isEmpty()) return false;
                    path.removeLast();
                    continue;
                }
                path.addLast(s);
                Path p = root.resolve(String.join("/", path));
                if (Files.isSymbolicLink(p)) {
                    path.removeLast();
                    if (!resolveInside(path, Files.readSymbolicLink(p).toString(), hops)) return false;
                }
            }
            return true;
        }
    }

    /** Sets the permission bits (rwx for user, group, other) of a file or folder, never of a symlink. */
    static void setMode(Path p, int mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, permissions(mode));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to restore
        }
    }

    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) set.add(order[i]);
        }
        return set;
    }

    public static int modeBits(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return mode;
    }

    static String reason(Throwable e) {
        if (e instanceof java.io.EOFException) return "unexpected end of data (truncated archive)";
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Remembers the last 512 bytes read, to tell a complete tar stream (ends in zero blocks) from a cut one. */
    private static final class TailWindow extends InputStream {
        private final InputStream in;
        private final byte[] ring = new byte[512];
        private long total;

        TailWindow(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) ring[(int) (total++ % ring.length)] = (byte) b;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            for (int i = 0; i < n; i++) ring[(int) (total++ % ring.length)] = b[off + i];
            return n;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        boolean endsWithZeroBlock() {
            if (total < ring.length) return false;
            for (byte x : ring) if (x != 0) return false;
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** Hands the handler the entry's bytes without letting it close the tar stream. */
    private static final class CountingInput extends InputStream {
        private final InputStream in;

        CountingInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public void close() {
            // the tar stream stays open
        }
    }
}
