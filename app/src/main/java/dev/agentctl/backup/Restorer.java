package dev.agentctl.backup;

import dev.agentctl.io.Hashing;
import dev.agentctl.io.SafeTar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Restores a backup archive into an instance folder: extracts it (with {@link SafeTar}, bounded) into a hidden
 * temporary folder beside the destination, checks every extracted file against the manifest, then swaps it in
 * (old folder renamed aside, new one renamed in, old one deleted; on failure the old one is put back).
 * On failure nothing is left behind and the destination is as it was.
 *
 * <p>Stopping the instance first is the caller's business. File ownership is not restored (files belong to
 * the user running the restore); permission bits and mtimes are.
 */
public final class Restorer {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private Restorer() {}

    public static Manifest restore(Path archive, Path destination) throws IOException {
        return restore(archive, destination, SafeTar.Limits.defaults());
    }

    public static Manifest restore(Path archive, Path destination, SafeTar.Limits limits) throws IOException {
        try (Staged staged = stage(archive, destination, limits)) {
            staged.swapIn();
            return staged.manifest();
        }
    }

    /**
     * An archive extracted into a hidden folder beside its destination and checked file by file against its
     * manifest (this is the verification: nothing is swapped in unless every byte matched). Closing it without
     * {@link #swapIn()} deletes the staging folder, so a refused archive leaves nothing.
     */
    public static final class Staged implements AutoCloseable {
        private final Path staging;
        private final Path dest;
        private final Manifest manifest;
        private boolean swapped;

        private Staged(Path staging, Path dest, Manifest manifest) {
            this.staging = staging;
            this.dest = dest;
            this.manifest = manifest;
        }

        public Manifest manifest() {
            return manifest;
        }

        /** Renames the staged folder into place (the previous one, if any, aside and then deleted). */
        public void swapIn() throws IOException {
            Restorer.swapIn(staging, dest, dest.getParent(), "." + dest.getFileName());
            swapped = true;
        }

        @Override
        public void close() throws IOException {
            if (!swapped) {
                SafeTar.deleteTree(staging, false);
            }
        }
    }

    public static Staged stage(Path archive, Path destination, SafeTar.Limits limits) throws IOException {
        Path dest = destination.toAbsolutePath().normalize();
        Path parent = dest.getParent();
        Files.createDirectories(parent);
        String base = "." + dest.getFileName();
        Path staging = Files.createTempDirectory(parent, base + ".restore-");
        try {
            byte[][] manifestJson = new byte[1][];
            SafeTar.Options options = new SafeTar.Options(
                    limits,
                    Manifest.PREFIX,
                    (name, entry, data) -> {
                        if (name.equals(Manifest.ENTRY_NAME))
                            manifestJson[0] = BackupVerifier.readManifest(data, entry.getSize());
                    },
                    false);
            SafeTar.Result extracted;
            try (InputStream in = Files.newInputStream(archive)) {
                extracted = SafeTar.extract(in, staging, options);
            }
            if (manifestJson[0] == null)
                throw new IOException("archive " + archive.getFileName() + " has no manifest.json");
            Manifest manifest = Manifest.parse(manifestJson[0]);
            List<String> problems = ManifestCheck.compare(manifest, scan(staging, extracted.sha256()), false);
            if (!problems.isEmpty()) {
                throw new IOException("restored files do not match the manifest of " + archive.getFileName() + ": "
                        + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                        + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
            }
            return new Staged(staging, dest, manifest);
        } catch (IOException | RuntimeException | Error e) {
            try {
                SafeTar.deleteTree(staging, false);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static void swapIn(Path staging, Path dest, Path parent, String base) throws IOException {
        if (!Files.exists(dest, NOFOLLOW)) {
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
            BackupWriter.fsyncFolder(parent);
            return;
        }
        Path aside = Files.createTempDirectory(parent, base + ".old-");
        Files.delete(aside); // only its unique name is wanted
        Files.move(dest, aside, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.move(aside, dest, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException back) {
                e.addSuppressed(new IOException("could not put the previous folder back; it is at " + aside, back));
            }
            throw e;
        }
        BackupWriter.fsyncFolder(parent);
        try {
            SafeTar.deleteTree(aside, false);
        } catch (IOException e) {
            throw new IOException(
                    "restored " + dest + ", but removing the previous copy at " + aside + " failed: " + e.getMessage(),
                    e);
        }
    }

    /** What is on disk under root, described like manifest entries (sha256 of each file's bytes). */
    static Map<String, Manifest.FileEntry> scan(Path root) throws IOException {
        return scan(root, Map.of());
    }

    /** As {@link #scan(Path)}, taking file digests from {@code known} (computed while the files were written). */
    static Map<String, Manifest.FileEntry> scan(Path root, Map<String, String> known) throws IOException {
        Map<String, Manifest.FileEntry> out = new LinkedHashMap<>();
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.toList();
        }
        for (Path p : all) {
            String rel = root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
            String path = rel.isEmpty() ? "." : rel;
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW);
            int mode = SafeTar.modeBits(a.permissions());
            Manifest.FileEntry e;
            if (a.isSymbolicLink()) {
                e = new Manifest.FileEntry(
                        path,
                        Manifest.Type.SYMLINK,
                        0,
                        mode,
                        a.lastModifiedTime().toInstant(),
                        null,
                        Files.readSymbolicLink(p).toString());
            } else if (a.isDirectory()) {
                e = new Manifest.FileEntry(
                        path, Manifest.Type.DIR, 0, mode, a.lastModifiedTime().toInstant(), null, null);
            } else {
                String digest = known.get(path);
                e = new Manifest.FileEntry(
                        path,
                        Manifest.Type.FILE,
                        a.size(),
                        mode,
                        a.lastModifiedTime().toInstant(),
                        digest != null ? digest : sha256(p),
                        null);
            }
            out.put(path, e);
        }
        return out;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest d = Hashing.sha256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file, NOFOLLOW)) {
            int n;
            while ((n = in.read(buf)) >= 0) d.update(buf, 0, n);
        }
        return Hashing.hex(d);
    }
}
