package dev.agentctl.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.TarReader;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one definition of a restorable backup, shared by verify, prune (which keeps the newest that verifies), restore
 * and backup (which writes nothing else): an archive that {@link TarReader} accepts under "instance/", whose
 * manifest lists exactly what it holds, byte for byte, and whose sizes fit the {@link Limits}. The manifest (the
 * archive's first entry, or for agentctl 0.1's archives its sidecar) sets the budget before the first byte of the
 * instance is read: the reading stops the moment the archive holds more than it declared.
 */
public final class ArchiveCheck {
    /** The most a manifest may be: about 200 bytes per entry, so some 300,000 files. */
    static final int MAX_MANIFEST_BYTES = 64 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Bounds a restore accepts, whatever an archive declares; raised with restore's --max-entries and --max-bytes.
     * {@code freeBytes} is the free space where it would be written (Long.MAX_VALUE when nothing is written).
     */
    public record Limits(long maxEntries, long maxBytes, long freeBytes) {
        public static final long DEFAULT_ENTRIES = 2_000_000;
        public static final long DEFAULT_BYTES = 256L << 30;

        public static Limits defaults() {
            return new Limits(DEFAULT_ENTRIES, DEFAULT_BYTES, Long.MAX_VALUE);
        }

        /** Refuses a manifest declaring more than these limits or the free space allow. */
        void check(Manifest m) throws TarReader.UnsafeArchiveException {
            if (m.entryCount() > maxEntries) {
                throw TarReader.UnsafeArchiveException.of("the archive holds " + m.entryCount()
                        + " entries, more than the " + maxEntries + " allowed (raise it with --max-entries)");
            }
            if (m.byteCount() > maxBytes) {
                throw TarReader.UnsafeArchiveException.of("the archive holds " + m.byteCount()
                        + " bytes, more than the " + maxBytes + " allowed (raise it with --max-bytes)");
            }
            if (m.byteCount() > freeBytes) {
                throw TarReader.UnsafeArchiveException.of("the archive holds " + m.byteCount() + " bytes, but only "
                        + freeBytes + " are free where it would be restored");
            }
        }
    }

    /**
     * Refuses, before a backup is written, what a restore with the default limits would refuse: backup and restore
     * share one definition of restorable, so a backup that says ok can always be restored.
     */
    static void requireRestorable(Manifest m, long manifestBytes) throws IOException {
        try {
            Limits.defaults().check(m);
        } catch (TarReader.UnsafeArchiveException e) {
            throw new IOException(
                    "it could never be restored: " + e.getMessage().replace("the archive", "it"));
        }
        if (manifestBytes > MAX_MANIFEST_BYTES) {
            throw new IOException("it could never be restored: its manifest would be " + manifestBytes
                    + " bytes, more than the " + MAX_MANIFEST_BYTES + " a restore reads (too many files or too long"
                    + " names)");
        }
    }

    /**
     * What an archive turned out to be. {@code manifest} is null when it has none that can be read; {@code problems}
     * is empty for a restorable archive.
     */
    public record Outcome(Manifest manifest, List<String> problems, long entries, long bytes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private ArchiveCheck() {}

    /** A sink that writes nothing: verify reads every byte the same way a restore does. */
    static final TarReader.Sink DISCARD = new TarReader.Sink() {
        @Override
        public void directory(TarReader.Entry e) {}

        @Override
        public OutputStream file(TarReader.Entry e) {
            return null;
        }

        @Override
        public void fileDone(TarReader.Entry e) {}

        @Override
        public void symlink(TarReader.Entry e) {}

        @Override
        public void finish() {}
    };

    /**
     * Reads the whole archive into {@code sink}. With {@code stopAtDeclared} (a restore) the reading stops the moment
     * the archive holds more entries or bytes than its manifest declared; without (verify) it goes on to name every
     * difference. Either way the verdict is the same. An archive refused part way (an unsafe entry, more than it
     * declared, corrupt) throws {@link TarReader.UnsafeArchiveException}; what is read whole but differs from its
     * manifest is in the outcome's problems.
     */
    public static Outcome read(Path archive, TarReader.Sink sink, Limits limits, boolean stopAtDeclared)
            throws IOException {
        Manifest declared = sidecarManifest(archive);
        if (declared == null && !manifestFirst(archive)) {
            try {
                declared = BackupCatalog.manifestFromArchive(archive); // agentctl 0.1's, without its sidecar
            } catch (IOException e) {
                declared = null; // the reading below says what is wrong with it
            }
        }
        // never more than fits where it is written, whatever a manifest says
        TarReader.Budget budget =
                new TarReader.Budget(Math.min(limits.maxBytes(), limits.freeBytes()), limits.maxEntries());
        if (declared != null) {
            limits.check(declared);
            budget.declare(declared.byteCount(), declared.entryCount());
            if (stopAtDeclared) {
                budget.limit(declared.byteCount(), declared.entryCount());
            }
        }
        // a restore writes nothing before a manifest has set the budget; verify (which writes nothing) reads on to
        // say what is wrong, but decompresses no more than a little without one
        boolean bounded = declared != null || !stopAtDeclared;
        if (declared == null && !stopAtDeclared) {
            budget.declare(0, 0);
        }
        List<String> problems = new ArrayList<>();
        Manifest[] inArchive = {null};
        boolean[] seen = {false, false}; // an instance entry was read; one came after a manifest
        MessageDigest fileDigest = Hashing.sha256();
        TarReader.Result r;
        // the digest sits below the buffer: the decompressor's mark/reset must not make it see bytes twice
        try (InputStream raw = new BufferedInputStream(
                new DigestInputStream(Files.newInputStream(archive, LinkOption.NOFOLLOW_LINKS), fileDigest), 1 << 16)) {
            r = TarReader.read(
                    raw,
                    Manifest.PREFIX,
                    (name, header, data) -> {
                        if (!name.equals(Manifest.ENTRY_NAME) || !TarReader.isRegular(header)) {
                            throw new TarReader.UnsafeArchiveException(name, "not part of an agentctl backup");
                        }
                        if (inArchive[0] != null) {
                            throw new TarReader.UnsafeArchiveException(name, "a second manifest");
                        }
                        Manifest m;
                        try {
                            m = Manifest.parse(readManifest(data, header.getSize()));
                        } catch (IOException bad) {
                            problems.add(bad.getMessage());
                            return;
                        }
                        if (m.formatVersion() >= Manifest.FORMAT_VERSION && seen[0]) {
                            problems.add("manifest.json is not the first entry");
                        }
                        if (!seen[0]) {
                            // first: it sets the budget before the first byte of the instance
                            limits.check(m);
                            budget.declare(m.byteCount(), m.entryCount());
                            if (stopAtDeclared) {
                                budget.limit(m.byteCount(), m.entryCount());
                            }
                        }
                        inArchive[0] = m;
                    },
                    new Watching(sink, seen, inArchive, bounded),
                    budget);
            byte[] buf = new byte[1 << 16];
            while (raw.read(buf) >= 0) {
                // the raw file to its end, so that the sidecar's checksum covers every byte
            }
        }
        Manifest manifest = inArchive[0];
        if (manifest == null) {
            if (problems.isEmpty()) {
                problems.add("manifest.json is missing");
            }
        } else {
            if (manifest.formatVersion() == Manifest.FORMAT_V1 && seen[1]) {
                problems.add("manifest.json is not the last entry");
            }
            problems.addAll(ManifestCheck.compare(manifest, actual(r), true));
            checkSidecar(archive, Hashing.hex(fileDigest), manifest, problems);
        }
        return new Outcome(manifest, problems, r.entries().size(), r.bytes());
    }

    /** The entries read, as manifest entries ("." for the top folder). */
    static Map<String, Manifest.FileEntry> actual(TarReader.Result r) {
        Map<String, Manifest.FileEntry> out = new LinkedHashMap<>();
        for (TarReader.Entry e : r.entries().values()) {
            String path = e.path().isEmpty() ? "." : e.path();
            Manifest.Type type = switch (e.kind()) {
                case FILE -> Manifest.Type.FILE;
                case DIR -> Manifest.Type.DIR;
                case SYMLINK -> Manifest.Type.SYMLINK;
            };
            out.put(
                    path,
                    new Manifest.FileEntry(
                            path, type, e.size(), e.mode(), e.mtime().toInstant(), e.sha256(), e.target()));
        }
        return out;
    }

    /** The manifest in the archive's sidecar, when the sidecar names this archive at its current size; else null. */
    static Manifest sidecarManifest(Path archive) {
        Path sidecar = BackupWriter.sidecarOf(archive);
        try {
            if (!Files.isRegularFile(sidecar, LinkOption.NOFOLLOW_LINKS) || Files.size(sidecar) > MAX_MANIFEST_BYTES) {
                return null;
            }
            JsonNode side = JSON.readTree(sidecar.toFile());
            if (archive.getFileName().toString().equals(side.path("archive").asText())
                    && side.path("archiveSize").asLong(-1) == Files.size(archive)) {
                return Manifest.fromTree(side.get("manifest"));
            }
        } catch (IOException e) {
            // a damaged sidecar says nothing
        }
        return null;
    }

    /** Whether the archive's first entry is its manifest (format 2): its first few kilobytes tell. */
    static boolean manifestFirst(Path archive) {
        try (InputStream in =
                dev.agentctl.io.Compression.decompress(Files.newInputStream(archive, LinkOption.NOFOLLOW_LINKS))) {
            byte[] header = in.readNBytes(512);
            String name = new String(header, 0, Math.min(100, header.length), java.nio.charset.StandardCharsets.UTF_8);
            int nul = name.indexOf('\0');
            return (nul < 0 ? name : name.substring(0, nul)).equals(Manifest.ENTRY_NAME);
        } catch (IOException e) {
            return false;
        }
    }

    /** The bytes of a manifest.json entry of {@code size} bytes, refused above {@link #MAX_MANIFEST_BYTES}. */
    static byte[] readManifest(InputStream in, long size) throws IOException {
        if (size > MAX_MANIFEST_BYTES) throw new IOException("manifest.json is too large (" + size + " bytes)");
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, size));
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            if (out.size() > MAX_MANIFEST_BYTES) throw new IOException("manifest.json is too large");
        }
        return out.toByteArray();
    }

    private static void checkSidecar(Path archive, String archiveSha256, Manifest manifest, List<String> problems) {
        Path sidecar = BackupWriter.sidecarOf(archive);
        if (!Files.isRegularFile(sidecar, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            JsonNode side = JSON.readTree(sidecar.toFile());
            String want = side.path("archiveSha256").asText("");
            if (!want.equals(archiveSha256)) {
                problems.add("sidecar " + sidecar.getFileName() + " records sha256 " + want + " but the archive has "
                        + archiveSha256);
            }
            if (!Manifest.fromTree(side.get("manifest")).equals(manifest)) {
                problems.add("sidecar " + sidecar.getFileName() + " holds a different manifest than the archive");
            }
        } catch (IOException e) {
            problems.add("sidecar " + sidecar.getFileName() + " is unreadable: " + e.getMessage());
        }
    }

    /**
     * Notes that an instance entry came (and whether after a manifest), then passes it on. Without a manifest read
     * beforehand ({@code bounded}: the sidecar's, or a format 1 archive's read first), an instance entry before the
     * archive's own manifest is refused: nothing is written before a manifest has set the budget.
     */
    private record Watching(TarReader.Sink sink, boolean[] seen, Manifest[] manifest, boolean bounded)
            implements TarReader.Sink {
        private void saw() throws TarReader.UnsafeArchiveException {
            if (!bounded && manifest[0] == null) {
                throw TarReader.UnsafeArchiveException.of(
                        "the instance's files come before any manifest.json that could bound them");
            }
            seen[0] = true;
            if (manifest[0] != null) {
                seen[1] = true;
            }
        }

        @Override
        public void directory(TarReader.Entry e) throws IOException {
            saw();
            sink.directory(e);
        }

        @Override
        public OutputStream file(TarReader.Entry e) throws IOException {
            saw();
            return sink.file(e);
        }

        @Override
        public void fileDone(TarReader.Entry e) throws IOException {
            sink.fileDone(e);
        }

        @Override
        public void symlink(TarReader.Entry e) throws IOException {
            saw();
            sink.symlink(e);
        }

        @Override
        public void finish() throws IOException {
            sink.finish();
        }
    }
}
