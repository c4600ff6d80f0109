package dev.agentctl.backup;

import dev.agentctl.io.TarMaker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Backup-shaped archives made by hand, to feed the verifier and the restorer things the writer never makes. */
final class HostileBackups {

    static final Instant TAR_MAKER_MTIME = Instant.ofEpochMilli(1_700_000_000_000L);

    private HostileBackups() {}

    /** A manifest listing the instance folder and files given as path, content pairs (mode 0644). */
    static Manifest manifest(String... pathThenContent) {
        List<Manifest.FileEntry> files = new ArrayList<>();
        files.add(new Manifest.FileEntry(".", Manifest.Type.DIR, 0, 0700, TAR_MAKER_MTIME, null, null));
        for (int i = 0; i < pathThenContent.length; i += 2) {
            byte[] content = pathThenContent[i + 1].getBytes(StandardCharsets.UTF_8);
            files.add(new Manifest.FileEntry(
                    pathThenContent[i],
                    Manifest.Type.FILE,
                    content.length,
                    0644,
                    TAR_MAKER_MTIME,
                    sha256(content),
                    null));
        }
        return new Manifest(
                1, "0.1.0", "alice", 18790, "m", "rt", Instant.parse("2026-01-01T00:00:00Z"), null, null, files);
    }

    /** The given entries, then manifest.json as the last entry, gzipped. */
    static byte[] withManifest(TarMaker entries, Manifest manifest) {
        return entries.file("manifest.json", manifest.toJson(), 0600).gzip();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
