package dev.agentctl.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.SafeTar;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Checks a backup archive without extracting it: reads every byte, recomputes each file's sha256 and compares
 * the entries with the manifest (and the archive with its sidecar, when there is one). Problems are returned,
 * one line each; only an archive that cannot be opened at all throws.
 */
public final class BackupVerifier {

    /** @param manifest null when the archive has no readable manifest */
    public record Result(Path archive, Manifest manifest, List<String> problems, long entries, long bytes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** A manifest larger than this is refused (about 200 bytes per file: ~300,000 files). */
    static final int MAX_MANIFEST_BYTES = 64 << 20;

    static final long MAX_ENTRIES = SafeTar.Limits.defaults().maxEntries();
    private static final ObjectMapper JSON = new ObjectMapper();

    private BackupVerifier() {}

    /** Like {@link #verify}, but an archive that cannot be opened is a result with that problem, never thrown. */
    public static Result check(Path archive) {
        try {
            return verify(archive);
        } catch (IOException e) {
            return new Result(archive, null, List.of("cannot read: " + BackupWriter.describe(e)), 0, 0);
        }
    }

    public static Result verify(Path archive) throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, Manifest.FileEntry> actual = new LinkedHashMap<>();
        Manifest manifest = null;
        boolean manifestSeen = false;
        long entries = 0;
        long bytes = 0;
        String last = null;
        MessageDigest fileDigest = Hashing.sha256();
        // the digest sits below the buffer: gzip's mark/reset must not make it see bytes twice
        try (InputStream raw =
                new BufferedInputStream(new DigestInputStream(Files.newInputStream(archive), fileDigest), 1 << 16)) {
            GzipCompressorInputStream gzip;
            try {
                gzip = new GzipCompressorInputStream(raw);
            } catch (IOException e) {
                problems.add("not a gzip file: " + e.getMessage());
                return new Result(archive, null, problems, 0, 0);
            }
            TarArchiveInputStream tar = new TarArchiveInputStream(gzip, StandardCharsets.UTF_8.name());
            try {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    if (++entries > MAX_ENTRIES) {
                        problems.add("more than " + MAX_ENTRIES + " entries; not an agentctl backup");
                        return new Result(archive, manifest, problems, entries, bytes);
                    }
                    String name = e.getName();
                    last = name;
                    if (manifestSeen)
                        problems.add("manifest.json is not the last entry: " + show(name) + " follows it");
                    String clean;
                    try {
                        clean = SafeTar.normalizeName(name);
                    } catch (SafeTar.UnsafeArchiveException unsafe) {
                        problems.add("unsafe entry: " + unsafe.getMessage());
                        continue;
                    }
                    if (clean.equals(Manifest.ENTRY_NAME) && SafeTar.isRegular(e)) {
                        manifestSeen = true;
                        try {
                            manifest = Manifest.parse(readManifest(tar, e.getSize()));
                        } catch (IOException bad) {
                            problems.add(bad.getMessage());
                        }
                        continue;
                    }
                    String path = pathInInstance(clean);
                    if (path == null) {
                        problems.add("unexpected entry outside instance/: " + show(name));
                        continue;
                    }
                    Manifest.FileEntry found = describe(e, path, tar, problems);
                    if (found == null) continue;
                    bytes += found.size();
                    if (actual.put(path, found) != null) problems.add("duplicate entry: " + show(name));
                }
                // drain to the end of the gzip member so its CRC and length trailer are checked too
                byte[] buf = new byte[1 << 16];
                while (gzip.read(buf) >= 0) {
                    // padding after the tar end marker
                }
            } catch (IOException broken) {
                problems.add("archive is truncated or corrupt" + (last == null ? "" : " after entry " + show(last))
                        + ": " + broken.getMessage());
                return new Result(archive, manifest, problems, entries, bytes);
            }
            // read the raw file to its end so the sidecar's checksum covers every byte
            byte[] buf = new byte[1 << 16];
            while (raw.read(buf) >= 0) {
                // bytes after the gzip member
            }
        }
        if (!manifestSeen) {
            problems.add("manifest.json is missing");
        } else if (manifest != null) {
            problems.addAll(ManifestCheck.compare(manifest, actual, true));
        }
        checkSidecar(archive, Hashing.hex(fileDigest), manifest, problems);
        return new Result(archive, manifest, problems, entries, bytes);
    }

    /** "instance" -> ".", "instance/a/b" -> "a/b", anything else -> null. */
    static String pathInInstance(String clean) {
        if (clean.equals(Manifest.PREFIX)) return ".";
        if (clean.startsWith(Manifest.PREFIX + "/")) return clean.substring(Manifest.PREFIX.length() + 1);
        return null;
    }

    private static Manifest.FileEntry describe(TarArchiveEntry e, String path, InputStream data, List<String> problems)
            throws IOException {
        String shown = show(e.getName());
        int mode = e.getMode() & 0777;
        if (e.isSymbolicLink()) {
            return new Manifest.FileEntry(
                    path,
                    Manifest.Type.SYMLINK,
                    0,
                    mode,
                    e.getLastModifiedTime().toInstant(),
                    null,
                    e.getLinkName());
        }
        if (e.isLink()) {
            problems.add("unsafe entry: hard link " + shown);
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            problems.add("unsafe entry: device file " + shown);
        } else if (e.isFIFO()) {
            problems.add("unsafe entry: FIFO " + shown);
        } else if (e.isDirectory()) {
            return new Manifest.FileEntry(
                    path, Manifest.Type.DIR, 0, mode, e.getLastModifiedTime().toInstant(), null, null);
        } else if (SafeTar.isRegular(e)) {
            MessageDigest d = Hashing.sha256();
            byte[] buf = new byte[1 << 16];
            long size = 0;
            int n;
            while ((n = data.read(buf)) >= 0) {
                d.update(buf, 0, n);
                size += n;
            }
            return new Manifest.FileEntry(
                    path,
                    Manifest.Type.FILE,
                    size,
                    mode,
                    e.getLastModifiedTime().toInstant(),
                    Hashing.hex(d),
                    null);
        } else {
            problems.add("unsupported entry type '" + (char) e.getLinkFlag() + "': " + shown);
        }
        return null;
    }

    /** The bytes of a manifest.json entry of {@code size} bytes, refused above {@link #MAX_MANIFEST_BYTES}. */
    static byte[] readManifest(InputStream in, long size) throws IOException {
        if (size > MAX_MANIFEST_BYTES) throw new IOException("manifest.json is too large (" + size + " bytes)");
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, size));
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) out.write(buf, 0, n);
        return out.toByteArray();
    }

    private static void checkSidecar(Path archive, String archiveSha256, Manifest manifest, List<String> problems) {
        Path sidecar = BackupWriter.sidecarOf(archive);
        if (!Files.isRegularFile(sidecar)) return;
        try {
            JsonNode side = JSON.readTree(sidecar.toFile());
            String want = side.path("archiveSha256").asText("");
            if (!want.equals(archiveSha256)) {
                problems.add("sidecar " + sidecar.getFileName() + " records sha256 " + want + " but the archive has "
                        + archiveSha256);
            }
            if (manifest != null && !Manifest.fromTree(side.get("manifest")).equals(manifest)) {
                problems.add("sidecar " + sidecar.getFileName() + " holds a different manifest than the archive");
            }
        } catch (IOException e) {
            problems.add("sidecar " + sidecar.getFileName() + " is unreadable: " + e.getMessage());
        }
    }

    /** Entry names as shown in problem lines: quoted, control characters replaced. */
    static String show(String name) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < name.length() && b.length() < 300; i++) {
            char c = name.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.append('\'').toString();
    }
}
