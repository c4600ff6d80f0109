package dev.agentctl.backup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.io.Compression;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.TarWriter;
import dev.agentctl.io.UntrustedDir;
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
import java.nio.file.attribute.PosixFileAttributeView;
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

/**
 * Writes one backup archive {@code <backupsDir>/<name>/<name>-<yyyyMMdd'T'HHmmss'Z'>.tar.zst} (or .tar.gz) of an
 * instance folder, and its sidecar {@code <archive>.manifest.json} that lets {@link BackupCatalog} list backups
 * without opening them.
 *
 * <p>In three steps: a {@link Snapshot} copies the folder while the instance runs; the instance is held
 * ({@link Quiescer}) only while the snapshot takes what changed since; then the archive is written from that
 * consistent copy, its manifest (every file with its sha256) first. Both files are written as hidden
 * {@code .*.partial} files (0600, locked while written), synced, and renamed into place (sidecar first, archive last).
 * On any failure the partial files and the copy are deleted and existing backups are never touched.
 */
public final class BackupWriter {

    /** Makes a live instance consistent while its changes are taken (pause, or stop, the container). */
    @FunctionalInterface
    public interface Quiescer {
        /** Called before the second pass; the handle is closed right after it, always, also when it failed. */
        AutoCloseable quiesce() throws Exception;

        static Quiescer none() {
            return () -> () -> {};
        }
    }

    /** What the manifest says about the instance besides its files. Null fields are written as null. */
    public record Metadata(
            String instance,
            Integer port,
            String model,
            String runtimeBuild,
            String agentctlVersion,
            String agentVersion,
            String sessionLayout) {}

    /**
     * @param quiesced  how long the instance was held (from quiesce() to the handle's close())
     * @param bytesRead file content read from the instance folder, in both passes
     * @param fileCount regular files archived
     * @param warnings  skipped special files; empty normally
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
    static final String STAGING_SUFFIX = ".staging";
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final FileAttribute<?> OWNER_ONLY_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> OWNER_ONLY_DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final Compression compression;
    private final UnaryOperator<OutputStream> archiveOutput;

    public BackupWriter() {
        this(Clock.systemUTC(), Compression.ZSTD);
    }

    public BackupWriter(Clock clock, Compression compression) {
        this(clock, compression, UnaryOperator.identity());
    }

    /** For tests: wraps the archive's file output (e.g. to fail like a full disk). */
    BackupWriter(Clock clock, Compression compression, UnaryOperator<OutputStream> archiveOutput) {
        this.clock = clock;
        this.compression = compression;
        this.archiveOutput = archiveOutput;
    }

    /** The file name a backup of {@code instance} taken at {@code time} gets. */
    public String archiveName(String instance, Instant time) {
        return instance + "-" + STAMP.format(time) + compression.suffix();
    }

    public static Path sidecarOf(Path archive) {
        return archive.resolveSibling(archive.getFileName() + SIDECAR_SUFFIX);
    }

    /** Whether a file name is that of an archive (either compression). */
    static boolean isArchiveName(String fileName) {
        return Compression.ofName(fileName) != null;
    }

    /**
     * The per-instance folder under {@code backupsDir}, made owner-only. A link there is refused, never
     * followed: chmodding through it would change whatever it points at.
     */
    static Path archiveFolder(Path backupsDir, String instance) throws IOException {
        Files.createDirectories(backupsDir);
        Path dir = backupsDir.resolve(instance);
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("refusing to write backups into " + dir + ": it is a symbolic link");
        }
        try {
            Files.createDirectory(dir, OWNER_ONLY_DIR);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, NOFOLLOW)) {
                throw new IOException("refusing to write backups into " + dir + ": it is not a folder");
            }
        }
        Files.getFileAttributeView(dir, PosixFileAttributeView.class, NOFOLLOW)
                .setPermissions(PosixFilePermissions.fromString("rwx------"));
        return dir;
    }

    public Result write(Path instanceDir, Path backupsDir, Metadata meta, Quiescer quiescer) throws IOException {
        return write(instanceDir, backupsDir, meta, quiescer, null);
    }

    /** Where the archives of an instance's sessions are: beside its backups, never listed or pruned as one. */
    public static Path sessionsFolder(Path backupsDir, String instance) {
        return backupsDir.resolve(instance).resolve(Manifest.SESSIONS);
    }

    /**
     * An archive of only {@code files} (paths relative to the instance folder) and the folders above them, in
     * {@link #sessionsFolder}, named {@code <name>-sessions-<time>}; its manifest says {@code contents: sessions}.
     */
    public Result writeSessions(Path instanceDir, Path backupsDir, Metadata meta, Quiescer quiescer, Set<String> files)
            throws IOException {
        return write(instanceDir, backupsDir, meta, quiescer, java.util.Objects.requireNonNull(files));
    }

    private Result write(Path instanceDir, Path backupsDir, Metadata meta, Quiescer quiescer, Set<String> only)
            throws IOException {
        String instance = meta.instance();
        if (instance == null || !NAME.matcher(instance).matches()) {
            throw new IllegalArgumentException("bad instance name for a backup: '" + instance + "'");
        }
        if (!Files.isDirectory(instanceDir, NOFOLLOW)) {
            throw new IOException("backup of instance " + instance + " failed: " + instanceDir + " is not a folder");
        }
        Instant createdAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Path dir = archiveFolder(backupsDir, instance);
        String base = instance;
        if (only != null) {
            dir = archiveFolder(dir, Manifest.SESSIONS);
            base = instance + "-" + Manifest.SESSIONS;
        }
        removeStalePartials(dir);

        String name = archiveName(base, createdAt);
        for (int n = 2; Files.exists(dir.resolve(name), NOFOLLOW); n++) {
            // a second backup within the same second (rm right after backup): a name of its own
            name = archiveName(base, createdAt).replace(compression.suffix(), "-" + n + compression.suffix());
        }
        Path archive = dir.resolve(name);
        Path sidecar = sidecarOf(archive);
        Path partial = dir.resolve("." + name + PARTIAL_SUFFIX);
        Path sidecarPartial = dir.resolve("." + sidecar.getFileName() + PARTIAL_SUFFIX);
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
        Path staging = dir.resolve("." + name + STAGING_SUFFIX);
        try (channel;
                FileLock lock = channel.tryLock();
                Snapshot snap = new Snapshot(
                        instanceDir.getParent(), instanceDir.getFileName().toString(), staging, scope(only))) {
            if (lock == null) throw new IOException(partial + " is locked by another backup run");
            snap.pass();
            Duration held = held(snap, quiescer);
            Manifest manifest = new Manifest(
                    Manifest.FORMAT_VERSION,
                    meta.agentctlVersion(),
                    instance,
                    meta.port(),
                    meta.model(),
                    meta.runtimeBuild(),
                    createdAt,
                    meta.agentVersion(),
                    meta.sessionLayout(),
                    snap.items().stream().map(Snapshot.Item::entry).toList(),
                    only == null ? null : Manifest.SESSIONS);
            Written w = writeArchive(channel, snap, manifest, createdAt);
            channel.force(true);

            ObjectNode side = JSON.createObjectNode();
            side.put("archive", name);
            side.put("archiveSize", w.size);
            side.put("archiveSha256", w.sha256);
            side.set("manifest", manifest.toTree());
            try (FileChannel sc = FileChannel.open(
                    sidecarPartial,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW),
                    OWNER_ONLY_FILE)) {
                sc.write(ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(side)));
                sc.force(true);
            }
            if (Files.exists(archive, NOFOLLOW)) {
                throw new FileAlreadyExistsException(archive.toString(), null, "a backup of that name already exists");
            }
            Files.move(sidecarPartial, sidecar, StandardCopyOption.ATOMIC_MOVE);
            sidecarPlaced = true;
            Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
            fsyncFolder(dir);
            return new Result(
                    archive, sidecar, manifest, w.size, snap.bytesRead(), snap.fileCount(), held, snap.warnings());
        } catch (Exception | Error e) {
            deleteQuietly(partial, e);
            deleteQuietly(sidecarPartial, e);
            if (sidecarPlaced) deleteQuietly(sidecar, e);
            if (e instanceof Error err) throw err;
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new IOException("backup of instance " + instance + " failed: " + describe(e), e);
        }
    }

    /** Everything, or only the given files and the folders on their way. */
    private static Snapshot.Scope scope(Set<String> only) {
        if (only == null) {
            return Snapshot.Scope.ALL;
        }
        Set<String> dirs = new java.util.HashSet<>();
        for (String f : only) {
            for (int i = f.indexOf('/'); i > 0; i = f.indexOf('/', i + 1)) {
                dirs.add(f.substring(0, i));
            }
        }
        return new Snapshot.Scope() {
            @Override
            public boolean enter(String d) {
                return dirs.contains(d);
            }

            @Override
            public boolean take(String path) {
                return only.contains(path);
            }
        };
    }

    /** The second pass while the instance is held; the hold is always released. Returns how long it was held. */
    private static Duration held(Snapshot snap, Quiescer quiescer) throws Exception {
        long start = System.nanoTime();
        AutoCloseable handle = quiescer.quiesce();
        Throwable failure = null;
        try {
            snap.pass();
        } catch (Throwable t) {
            failure = t;
            throw t;
        } finally {
            try {
                if (handle != null) handle.close();
            } catch (Exception closeFailure) {
                if (failure != null) {
                    failure.addSuppressed(closeFailure);
                } else {
                    throw new IOException(
                            "releasing the held instance failed: " + describe(closeFailure), closeFailure);
                }
            }
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private record Written(long size, String sha256) {}

    /** The archive from the consistent copy: manifest.json first, then the folder under instance/, sorted. */
    private Written writeArchive(FileChannel channel, Snapshot snap, Manifest manifest, Instant createdAt)
            throws IOException {
        MessageDigest digest = Hashing.sha256();
        CountingOutputStream counted = new CountingOutputStream(
                new DigestOutputStream(archiveOutput.apply(Channels.newOutputStream(channel)), digest));
        // not closed: closing would close the channel, which the caller still needs
        OutputStream buffered = new BufferedOutputStream(counted, 1 << 16);
        OutputStream compressed = compression.compress(
                new dev.agentctl.io.Unclosing(buffered),
                Math.max(1, Runtime.getRuntime().availableProcessors()));
        TarWriter tar = new TarWriter(compressed);
        byte[] manifestJson = manifest.toJson();
        ArchiveCheck.requireRestorable(manifest, manifestJson.length);
        tar.file(Manifest.ENTRY_NAME, manifestJson, 0600, FileTime.from(createdAt));
        for (Snapshot.Item it : snap.items()) {
            String entry = it.path().equals(".") ? Manifest.PREFIX : Manifest.PREFIX + "/" + it.path();
            switch (it.type()) {
                case DIR -> {
                    tar.put(TarWriter.directory(entry, it.mode(), it.mtime()));
                    tar.closeEntry();
                }
                case SYMLINK -> {
                    tar.put(TarWriter.symlink(entry, it.target(), it.mtime()));
                    tar.closeEntry();
                }
                case FILE -> {
                    tar.put(TarWriter.regular(entry, it.size(), it.mode(), it.mtime()));
                    try (InputStream in = Files.newInputStream(snap.copyOf(it.path()), NOFOLLOW)) {
                        long n = in.transferTo(tar.stream());
                        if (n != it.size()) {
                            throw new IOException(it.path() + ": the copy changed while archived");
                        }
                    }
                    tar.closeEntry();
                }
            }
        }
        tar.finish();
        compressed.close(); // finishes the compressed stream; the channel stays open
        buffered.flush();
        return new Written(counted.count, Hashing.hex(digest));
    }

    /**
     * Removes {@code .*.partial} files and {@code .*.staging} copies that no running backup holds (a killed run leaves
     * them), and sidecars whose archive is gone, in one instance's backup folder. Returns what was removed.
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
            } else if (n.startsWith(".") && n.endsWith(STAGING_SUFFIX)) {
                Path owner = p.resolveSibling(n.substring(0, n.length() - STAGING_SUFFIX.length()) + PARTIAL_SUFFIX);
                if (!Files.exists(owner, NOFOLLOW) || !inUse(owner)) {
                    UntrustedDir.deleteTree(p);
                    removed.add(p);
                }
            } else if (!n.startsWith(".")
                    && n.endsWith(SIDECAR_SUFFIX)
                    && isArchiveName(n.substring(0, n.length() - SIDECAR_SUFFIX.length()))) {
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
     * A partial is in use while its writer holds the lock. A sidecar partial is never locked itself; it belongs to
     * the archive partial of the same backup.
     */
    private static boolean inUse(Path partial) throws IOException {
        String n = partial.getFileName().toString();
        if (n.endsWith(SIDECAR_SUFFIX + PARTIAL_SUFFIX)) {
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

    public static String describe(Throwable e) {
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
