package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentctl.io.TarReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives made to get past the manifest's bounds in ways the tar format allows: a PAX header disguised as the
 * manifest, a huge GNU long name, and bytes hidden where no file's budget counts them. Each is refused before it
 * writes (or holds in memory) more than a little.
 */
class HostileArchiveTest {
    @TempDir
    Path tmp;

    /** One raw tar record: a header of {@code type} named {@code name} declaring {@code size}, then its data. */
    static void entry(ByteArrayOutputStream out, String name, byte type, long size, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setSize(size);
        e.setMode(type == '5' ? 040700 : 0100644);
        e.setModTime(HostileBackups.TAR_MAKER_MTIME.toEpochMilli());
        byte[] header = new byte[512];
        e.writeEntryHeader(header, ZipEncodingHelper.getZipEncoding("UTF-8"), true);
        out.write(header);
        if (data != null) {
            out.write(data);
            out.write(new byte[(512 - data.length % 512) % 512]);
        }
    }

    static Path gzip(Path file, byte[]... parts) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            for (byte[] p : parts) {
                o.write(p);
            }
        }
        return file;
    }

    static byte[] endMarker() {
        return new byte[1024];
    }

    /** Counts the bytes a restore would have written. */
    static TarReader.Sink counting(AtomicLong written) {
        return new TarReader.Sink() {
            @Override
            public void directory(TarReader.Entry e) {}

            @Override
            public OutputStream file(TarReader.Entry e) {
                return new OutputStream() {
                    @Override
                    public void write(int b) {
                        written.incrementAndGet();
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        written.addAndGet(len);
                    }
                };
            }

            @Override
            public void fileDone(TarReader.Entry e) {}

            @Override
            public void symlink(TarReader.Entry e) {}

            @Override
            public void finish() {}
        };
    }

    @Test
    void aPaxHeaderNamedLikeTheManifestDoesNotLetTheInstanceInBeforeAnyManifestBoundsIt() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        byte[] pax = "25 path=instance/big.bin\n".getBytes(StandardCharsets.UTF_8);
        entry(tar, "manifest.json", (byte) 'x', pax.length, pax);
        entry(tar, "placeholder", (byte) '0', 64L << 20, null);
        byte[] head = tar.toByteArray();
        byte[] zeros = new byte[64 << 20];
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        entry(rest, "manifest.json", (byte) '0', 0, new byte[0]);
        Path archive = gzip(tmp.resolve("alice-20260101T000000Z.tar.gz"), head, zeros, rest.toByteArray(), endMarker());
        AtomicLong written = new AtomicLong();

        assertThatThrownBy(() -> ArchiveCheck.read(archive, counting(written), ArchiveCheck.Limits.defaults(), true))
                .isInstanceOf(TarReader.UnsafeArchiveException.class)
                .hasMessageContaining("before any manifest.json");
        assertThat(written).hasValue(0);
        Path dest = tmp.resolve("restored");
        assertThatThrownBy(() -> Restorer.restore(archive, dest)).isInstanceOf(IOException.class);
        assertThat(dest).doesNotExist();
    }

    @Test
    void aGnuLongNameOfGigabytesIsRefusedBeforeItIsReadIntoMemory() throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "././@LongLink", (byte) 'L', 3L << 30, null);
        tar.write(new byte[1 << 20]); // the start of the "name": the rest never needs reading
        Path archive = gzip(tmp.resolve("alice-20260101T000000Z.tar.gz"), tar.toByteArray());

        assertThatThrownBy(() -> BackupCatalog.manifestFromArchive(archive))
                .hasMessageContaining("refused tar metadata entry of 3221225472 bytes");
        assertThat(BackupVerifier.check(archive).problems())
                .anyMatch(p -> p.contains("refused tar metadata entry of 3221225472 bytes"));
    }

    @Test
    void bytesHiddenInAFolderEntryCountAgainstWhatTheManifestDeclared() throws IOException {
        Manifest m = new Manifest(
                Manifest.FORMAT_VERSION,
                "test",
                "alice",
                18790,
                "m",
                null,
                Instant.parse("2026-01-01T00:00:00Z"),
                null,
                null,
                List.of(new Manifest.FileEntry(
                        ".", Manifest.Type.DIR, 0, 0700, HostileBackups.TAR_MAKER_MTIME, null, null)));
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        byte[] json = m.toJson();
        entry(tar, "manifest.json", (byte) '0', json.length, json);
        // a folder entry that claims 256 MiB of data: tar readers skip it, no file budget sees it
        entry(tar, "instance/", (byte) '5', 256L << 20, null);
        Path archive =
                gzip(tmp.resolve("alice-20260101T000000Z.tar.gz"), tar.toByteArray(), new byte[256 << 20], endMarker());

        assertThatThrownBy(() -> ArchiveCheck.read(archive, ArchiveCheck.DISCARD, ArchiveCheck.Limits.defaults(), true))
                .hasMessageContaining("decompresses to more than its manifest allows");
        assertThat(BackupVerifier.check(archive).problems())
                .anyMatch(p -> p.contains("decompresses to more than its manifest allows"));
    }
}
