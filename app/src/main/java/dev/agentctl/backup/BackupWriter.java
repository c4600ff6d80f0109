package dev.agentctl.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.SafeTar;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Writes one backup archive {@code <backupsDir>/<name>/<name>-<yyyyMMdd'T'HHmmss'Z'>.tar.gz} of an instance
 * folder, streaming (each file is hashed while it is copied into the tar; nothing is buffered), plus the
 * sidecar {@code <archive>.manifest.json} that lets {@link BackupCatalog} list backups without
 * decompressing them.
 *
 * <p>Both files are written as hidden {@code .*.partial} files (mode 0600, locked while written), fsynced,
 * and renamed into place (sidecar first, archive last, then the folder is fsynced). On any failure the
 * partial files are deleted and an {@link IOException} naming the instance and the cause is thrown;
 * existing backups are never touched. Instances can be backed up concurrently: the class has no mutable state.
 */
public final class BackupWriter {

    /** Makes a live instance consistent while its files are read (pause, or stop, the container). */
    @FunctionalInterface
    public interface Quiescer {
        /**
         * Called just before the first file is read. The returned handle is closed right after the last file
         * was read, before the manifest is written, and always, also when reading failed.
         */
        AutoCloseable quiesce() throws Exception;

        static Quiescer none() {
            return () -> () -> {};
        }
    }

    /** What the manifest says about the instance besides its files. Null fields are written as null. */
    public record Metadata(String instance, Integer port, String model, String runtimeBuild, String agentctlVersion) {}

    /**
     * @param quiesced  how long the instance was held quiescent (from quiesce() to the handle's close())
     * @param bytesRead file content read from the instance folder
     * @param fileCount regular files archived
     * @param warnings  skipped special files, files that grew while read; empty normally
     */
    public record Result(
            Path archive,
            Path sidecar,
            Manifest manifest,
            long archiveSize,
            long bytesRead,
            int fileCount,
            Duration quiesced,
            List<String> warnings) {}

    static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    static final String SIDECAR_SUFFIX = ".manifest.json";
    static final String PARTIAL_SUFFIX = ".partial";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final FileAttribute<?> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final UnaryOperator<OutputStream> archiveOutput;

    public BackupWriter() {
        this(Clock.systemUTC());
    }

    public BackupWriter(Clock clock) {
        this(clock, UnaryOperator.identity());
    }

    /** For tests: wraps the archive's file output (e.g. to fail like a full disk). */
    BackupWriter(Clock clock, UnaryOperator<OutputStream> archiveOutput) {
        this.clock = clock;
        this.archiveOutput = archiveOutput;
    }

    /** The file name a backup of {@code instance} taken at {@code time} gets. */
    public static String archiveName(String instance, Instant time) {
        return instance + "-" + STAMP.format(time) + ".tar.gz";
    }

    public static Path sidecarOf(Path archive) {
        return archive.resolveSibling(archive.getFileName() + SIDECAR_SUFFIX);
    }

    public Result write(Path instanceDir, Path backupsDir, Metadata meta, Quiescer quiescer) throws IOException {
        String instance = meta.instance();
        if (instance == null || !NAME.matcher(instance).matches()) {
            throw new IllegalArgumentException("bad instance name for a backup: '" + instance + "'");
        }
        if (!Files.isDirectory(instanceDir, NOFOLLOW)) {
            throw new IOException("backup of instance " + instance + " failed: " + instanceDir + " is not a folder");
        }
        Instant createdAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Path dir = backupsDir.resolve(instance);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        removeStalePartials(dir);

        String name = archiveName(instance, createdAt);
        Path archive = dir.resolve(name);
        Path sidecar = sidecarOf(archive);
        Path partial = dir.resolve("." + name + PARTIAL_SUFFIX);
        Path sidecarPartial = dir.resolve("." + sidecar.getFileName() + PARTIAL_SUFFIX);
        if (Files.exists(archive, NOFOLLOW)) {
            throw new FileAlreadyExistsException(archive.toString(), null, "a backup of that second already exists");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(
                    partial,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW),
                    OWNER_ONLY_FILE);
        } catch (FileAlreadyExistsException e) {
            // not ours to delete: another run is writing this very backup
            throw new IOException(
                    "backup of instance " + instance + " failed: another backup run is writing " + partial, e);
        } catch (IOException e) {
            throw new IOException("backup of instance " + instance + " failed: " + describe(e), e);
        }
        boolean sidecarPlaced = false;
        try (channel;
                FileLock lock = channel.tryLock()) {
            if (lock == null) throw new IOException(partial + " is locked by another backup run");
            Written w = writeArchive(channel, instanceDir, meta, createdAt, quiescer);
            channel.force(true);

            ObjectNode side = JSON.createObjectNode();
            side.put("archive", name);
            side.put("archiveSize", w.archiveSize);
            side.put("archiveSha256", w.archiveSha256);
            side.set("manifest", w.manifest.toTree());
            try (FileChannel sc = FileChannel.open(
                    sidecarPartial,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW),
                    OWNER_ONLY_FILE)) {
                sc.write(ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(side)));
                sc.force(true);
            }
            if (Files.exists(archive, NOFOLLOW)) {
                throw new FileAlreadyExistsException(
                        archive.toString(), null, "a backup of that second already exists");
            }
            Files.move(sidecarPartial, sidecar, StandardCopyOption.ATOMIC_MOVE);
            sidecarPlaced = true;
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
            fsyncFolder(dir);
            return new Result(
                    archive,
                    sidecar,
                    w.manifest,
                    w.archiveSize,
                    w.bytesRead,
                    w.fileCount,
                    w.quiesced,
                    List.copyOf(w.warnings));
        } catch (Exception | Error e) {
            deleteQuietly(partial, e);
            deleteQuietly(sidecarPartial, e);
            if (sidecarPlaced) deleteQuietly(sidecar, e);
            if (e instanceof Error err) throw err;
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IOException("backup of instance " + instance + " failed: " + describe(e), e);
        }
    }

    /**
     * Removes {@code .*.partial} files that no running backup holds (a killed run leaves one) and sidecars whose
     * archive is gone, in one instance's backup folder. Returns what was removed.
     */
    public static List<Path> removeStalePartials(Path instanceBackupDir) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(instanceBackupDir, NOFOLLOW)) return removed;
        List<Path> children;
        try (Stream<Path> s = Files.list(instanceBackupDir)) {
            children = s.toList();
        }
        for (Path p : children) {
            String n = p.getFileName().toString();
            if (n.startsWith(".") && n.endsWith(PARTIAL_SUFFIX) && Files.isRegularFile(p, NOFOLLOW)) {
                if (!inUse(p)) {
                    Files.deleteIfExists(p);
                    removed.add(p);
                }
            } else if (!n.startsWith(".") && n.endsWith(".tar.gz" + SIDECAR_SUFFIX)) {
                Path archive = p.resolveSibling(n.substring(0, n.length() - SIDECAR_SUFFIX.length()));
                if (!Files.exists(archive, NOFOLLOW)) {
                    Files.deleteIfExists(p);
                    removed.add(p);
                }
            }
        }
        return removed;
    }

    /**
     * A partial is in use while its writer holds the lock. A sidecar partial is never locked itself; it belongs
     * to the archive partial of the same backup.
     */
    private static boolean inUse(Path partial) throws IOException {
        String n = partial.getFileName().toString();
        if (n.endsWith(".tar.gz" + SIDECAR_SUFFIX + PARTIAL_SUFFIX)) {
            String archivePartial =
                    n.substring(0, n.length() - (SIDECAR_SUFFIX + PARTIAL_SUFFIX).length()) + PARTIAL_SUFFIX;
            Path owner = partial.resolveSibling(archivePartial);
            return Files.exists(owner, NOFOLLOW) && inUse(owner);
        }
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE, NOFOLLOW)) {
            FileLock lock = ch.tryLock();
            if (lock == null) return true;
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true; // held by a writer in this JVM
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    private static final class Written {
        Manifest manifest;
        long archiveSize;
        String archiveSha256;
        long bytesRead;
        int fileCount;
        Duration quiesced = Duration.ZERO;
        final List<String> warnings = new ArrayList<>();
    }

    private Written writeArchive(
            FileChannel channel, Path instanceDir, Metadata meta, Instant createdAt, Quiescer quiescer)
            throws Exception {
        Written w = new Written();
        MessageDigest archiveDigest = Hashing.sha256();
        CountingOutputStream counted = new CountingOutputStream(
                new DigestOutputStream(archiveOutput.apply(Channels.newOutputStream(channel)), archiveDigest));
        // Not closed through try-with-resources: closing would close the channel, which the caller still needs.
        OutputStream buffered = new BufferedOutputStream(counted, 1 << 16);
        GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(buffered);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);

        List<Manifest.FileEntry> entries = new ArrayList<>();
        long start = System.nanoTime();
        AutoCloseable quiesced = quiescer.quiesce();
        AutoCloseable handle = quiesced != null ? quiesced : () -> {};
        Throwable failure = null;
        try {
            addTree(tar, instanceDir, "", entries, w);
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            try {
                handle.close();
            } catch (Exception closeFailure) {
                if (failure != null) {
                    failure.addSuppressed(closeFailure);
                } else {
                    throw new IOException(
                            "releasing the quiesced instance failed: " + describe(closeFailure), closeFailure);
                }
            } finally {
                w.quiesced = Duration.ofNanos(System.nanoTime() - start);
            }
        }
        Manifest manifest = new Manifest(
                Manifest.FORMAT_VERSION,
                meta.agentctlVersion(),
                meta.instance(),
                meta.port(),
                meta.model(),
                meta.runtimeBuild(),
                createdAt,
                entries);
        byte[] json = manifest.toJson();
        TarArchiveEntry me = new TarArchiveEntry(Manifest.ENTRY_NAME, TarConstants.LF_NORMAL);
        me.setSize(json.length);
        me.setMode(0100600);
        me.setModTime(createdAt.toEpochMilli());
        tar.putArchiveEntry(me);
        tar.write(json);
        tar.closeArchiveEntry();
        tar.finish();
        gzip.finish();
        buffered.flush();
        w.manifest = manifest;
        w.archiveSize = counted.count;
        w.archiveSha256 = Hashing.hex(archiveDigest);
        return w;
    }

    private static void addTree(
            TarArchiveOutputStream tar, Path dir, String rel, List<Manifest.FileEntry> out, Written w)
            throws IOException {
        addOne(tar, dir, rel, out, w);
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = new ArrayList<>(s.toList());
        }
        children.sort(
                (a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
        for (Path child : children) {
            String childRel = rel.isEmpty() ? child.getFileName().toString() : rel + "/" + child.getFileName();
            if (Files.isDirectory(child, NOFOLLOW)) {
                addTree(tar, child, childRel, out, w);
            } else {
                addOne(tar, child, childRel, out, w);
            }
        }
    }

    private static void addOne(TarArchiveOutputStream tar, Path p, String rel, List<Manifest.FileEntry> out, Written w)
            throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW);
        int mode = SafeTar.modeBits(a.permissions());
        String manifestPath = rel.isEmpty() ? "." : rel;
        String entryName = rel.isEmpty() ? Manifest.PREFIX + "/" : Manifest.PREFIX + "/" + rel;
        TarArchiveEntry e;
        if (a.isDirectory()) {
            e = new TarArchiveEntry(entryName.endsWith("/") ? entryName : entryName + "/", TarConstants.LF_DIR);
            e.setMode(040000 | mode);
        } else if (a.isSymbolicLink()) {
            e = new TarArchiveEntry(entryName, TarConstants.LF_SYMLINK);
            e.setLinkName(Files.readSymbolicLink(p).toString());
            e.setMode(0120000 | mode);
        } else if (a.isRegularFile()) {
            e = new TarArchiveEntry(entryName, TarConstants.LF_NORMAL);
            e.setMode(0100000 | mode);
            e.setSize(a.size());
        } else {
            w.warnings.add("skipped " + rel + ": not a regular file, folder or symlink");
            return;
        }
        // microseconds: what a PAX mtime keeps exactly, so manifest, archive and restored file agree
        e.setModTime(FileTime.from(a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.MICROS)));
        owner(e, p, a);
        tar.putArchiveEntry(e);
        String sha = null;
        if (a.isRegularFile()) {
            sha = copyFile(tar, p, rel, a.size(), w);
            w.fileCount++;
        }
        tar.closeArchiveEntry();
        Manifest.Type type =
                a.isDirectory() ? Manifest.Type.DIR : a.isSymbolicLink() ? Manifest.Type.SYMLINK : Manifest.Type.FILE;
        out.add(new Manifest.FileEntry(
                manifestPath,
                type,
                a.isRegularFile() ? a.size() : 0,
                mode,
                e.getLastModifiedTime().toInstant(),
                sha,
                e.isSymbolicLink() ? e.getLinkName() : null));
    }

    private static void owner(TarArchiveEntry e, Path p, PosixFileAttributes a) {
        try {
            e.setUserId(((Number) Files.getAttribute(p, "unix:uid", NOFOLLOW)).longValue());
            e.setGroupId(((Number) Files.getAttribute(p, "unix:gid", NOFOLLOW)).longValue());
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException ignored) {
            // ownership is informational only
        }
        e.setUserName(a.owner().getName());
        e.setGroupName(a.group().getName());
    }

    /** Copies exactly {@code size} bytes (the size the header promised) and returns their sha256. */
    private static String copyFile(OutputStream tar, Path p, String rel, long size, Written w) throws IOException {
        MessageDigest digest = Hashing.sha256();
        byte[] buf = new byte[1 << 16];
        long left = size;
        try (InputStream in = Files.newInputStream(p, NOFOLLOW)) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(rel + " shrank from " + size + " to " + (size - left)
                            + " bytes while it was read (is the instance quiesced?)");
                }
                digest.update(buf, 0, n);
                tar.write(buf, 0, n);
                left -= n;
                w.bytesRead += n;
            }
            if (in.read() >= 0) {
                w.warnings.add(rel + " grew while it was read; archived its first " + size + " bytes");
            }
        }
        return Hashing.hex(digest);
    }

    static void fsyncFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // some file systems cannot fsync a folder; the rename is still atomic
        }
    }

    private static void deleteQuietly(Path p, Throwable into) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            into.addSuppressed(e);
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof NoSuchFileException || e instanceof FileAlreadyExistsException || m == null || m.isBlank()) {
            return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        }
        return m;
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
