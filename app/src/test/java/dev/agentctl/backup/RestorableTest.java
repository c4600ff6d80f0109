package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentctl.io.TarReader;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

/**
 * One definition of restorable for backup, verify, prune and restore: what one accepts the others accept, what
 * restore would refuse backup refuses up front, and an archive's own manifest bounds what a restore writes.
 */
class RestorableTest extends FleetTestBase {

    private Cli.Result sub(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("backup"));
        all.addAll(List.of(args));
        all.addAll(List.of("--root", root.toString()));
        return Cli.raw(all.toArray(String[]::new));
    }

    private List<Path> archives(String instance) throws IOException {
        Path dir = root.resolve("backups").resolve(instance);
        return Fixtures.names(dir).stream()
                .filter(n -> n.endsWith(".tar.zst"))
                .map(dir::resolve)
                .toList();
    }

    @Test
    void aVenvWithLinksOutOfTheWorkspaceBacksUpVerifiesSurvivesPruneAndRestoresAsTheSameLinks() throws Exception {
        ok("create", "alice", Integer.toString(freePort()));
        ok("backup", "alice", "--mode", "online");
        // what `python3 -m venv workspace/.venv` leaves: links to the system python and a relative lib64
        Path venv = Files.createDirectories(instance("alice").resolve("workspace/.venv/bin"));
        Files.createDirectories(venv.resolveSibling("lib/python3.11/site-packages"));
        Files.createSymbolicLink(venv.resolve("python3"), Path.of("/usr/bin/python3"));
        Files.createSymbolicLink(venv.resolve("python"), Path.of("python3"));
        Files.createSymbolicLink(venv.resolveSibling("lib64"), Path.of("lib"));
        Files.createSymbolicLink(venv.resolve("dangling"), Path.of("../../../../../nowhere"));
        Thread.sleep(1100);
        ok("backup", "alice", "--mode", "online");
        List<Path> two = archives("alice");
        assertThat(two).hasSize(2);

        Cli.Result verify = sub("verify", "alice");
        assertThat(verify.code()).as(verify.toString()).isZero();
        assertThat(verify.out().lines().filter(l -> l.startsWith("ok    "))).hasSize(2);

        Cli.Result prune = sub("prune", "--keep-last", "1");
        assertThat(prune.code()).as(prune.toString()).isZero();
        assertThat(archives("alice")).containsExactly(two.get(1));

        ok("restore", two.get(1).toString(), "--as", "bob");
        Path restored = instance("bob").resolve("workspace/.venv");
        assertThat(Files.readSymbolicLink(restored.resolve("bin/python3"))).isEqualTo(Path.of("/usr/bin/python3"));
        assertThat(Files.readSymbolicLink(restored.resolve("bin/python"))).isEqualTo(Path.of("python3"));
        assertThat(Files.readSymbolicLink(restored.resolve("lib64"))).isEqualTo(Path.of("lib"));
        assertThat(Files.readSymbolicLink(restored.resolve("bin/dangling")))
                .isEqualTo(Path.of("../../../../../nowhere"));
        assertThat(restored.resolve("lib/python3.11/site-packages")).isDirectory();
    }

    /**
     * A v2 archive (manifest first) declaring one 8-byte file, whose entry then holds {@code real} bytes (zeros,
     * unless it is the declared 8).
     */
    private Path bomb(long real) throws IOException {
        byte[] eight = "original".getBytes(StandardCharsets.UTF_8);
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
                List.of(
                        new Manifest.FileEntry(
                                ".", Manifest.Type.DIR, 0, 0700, HostileBackups.TAR_MAKER_MTIME, null, null),
                        new Manifest.FileEntry(
                                "a.txt",
                                Manifest.Type.FILE,
                                eight.length,
                                0644,
                                HostileBackups.TAR_MAKER_MTIME,
                                HostileBackups.sha256(eight),
                                null)));
        Path file = tmp.resolve("alice-20260101T000000Z.tar.gz");
        try (TarArchiveOutputStream tar =
                new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            byte[] json = m.toJson();
            TarArchiveEntry me = new TarArchiveEntry("manifest.json");
            me.setSize(json.length);
            tar.putArchiveEntry(me);
            tar.write(json);
            tar.closeArchiveEntry();
            TarArchiveEntry dir = new TarArchiveEntry("instance/");
            dir.setMode(040700);
            dir.setModTime(HostileBackups.TAR_MAKER_MTIME.toEpochMilli());
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            TarArchiveEntry big = new TarArchiveEntry("instance/a.txt");
            big.setSize(real);
            big.setMode(0100644);
            big.setModTime(HostileBackups.TAR_MAKER_MTIME.toEpochMilli());
            tar.putArchiveEntry(big);
            if (real == eight.length) {
                tar.write(eight); // what it declared: a well-formed archive
            } else {
                byte[] zeros = new byte[1 << 20];
                for (long left = real; left > 0; left -= zeros.length) {
                    tar.write(zeros, 0, (int) Math.min(left, zeros.length));
                }
            }
            tar.closeArchiveEntry();
        }
        return file;
    }

    @Test
    void aGzipBombIsRefusedBeforeItsFirstByteIsWrittenBecauseItsManifestDeclaredEightBytes() throws IOException {
        Path bomb = bomb(256L << 20); // 256 MiB of zeros in well under a MiB of gzip
        assertThat(Files.size(bomb)).isLessThan(1 << 20);
        AtomicLong written = new AtomicLong();
        TarReader.Sink counting = new TarReader.Sink() {
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

        assertThatThrownBy(() -> ArchiveCheck.read(bomb, counting, ArchiveCheck.Limits.defaults(), true))
                .isInstanceOf(TarReader.UnsafeArchiveException.class)
                .hasMessageContaining("instance/a.txt")
                .hasMessageContaining("declares 268435456 bytes, over the remaining 8-byte budget");
        assertThat(written).as("bytes handed on to be written").hasValue(0);

        Path dest = tmp.resolve("restored");
        assertThatThrownBy(() -> Restorer.restore(bomb, dest)).isInstanceOf(TarReader.UnsafeArchiveException.class);
        assertThat(dest).doesNotExist();
        // verify reads it to its end without writing and says the same
        BackupVerifier.Result v = BackupVerifier.check(bomb);
        assertThat(v.ok()).isFalse();
    }

    @Test
    void anArchiveDeclaringMoreThanTheLimitsOrTheFreeSpaceIsRefusedBeforeReadingTheInstance() throws IOException {
        Path small = bomb(8);
        assertThatThrownBy(() -> ArchiveCheck.read(
                        small, ArchiveCheck.DISCARD, new ArchiveCheck.Limits(1, 1 << 30, Long.MAX_VALUE), true))
                .hasMessageContaining(
                        "the archive holds 2 entries, more than the 1 allowed (raise it with --max-entries)");
        assertThatThrownBy(() -> ArchiveCheck.read(
                        small, ArchiveCheck.DISCARD, new ArchiveCheck.Limits(10, 4, Long.MAX_VALUE), true))
                .hasMessageContaining("the archive holds 8 bytes, more than the 4 allowed (raise it with --max-bytes)");
        assertThatThrownBy(() ->
                        ArchiveCheck.read(small, ArchiveCheck.DISCARD, new ArchiveCheck.Limits(10, 1 << 30, 5), true))
                .hasMessageContaining("the archive holds 8 bytes, but only 5 are free where it would be restored");
        assertThat(ArchiveCheck.read(small, ArchiveCheck.DISCARD, ArchiveCheck.Limits.defaults(), true)
                        .problems())
                .isEmpty();
    }

    @Test
    void backupRefusesUpFrontWhatRestoreWouldRefuse() {
        Manifest huge = new Manifest(
                Manifest.FORMAT_VERSION,
                "test",
                "alice",
                1,
                "m",
                null,
                Instant.EPOCH,
                null,
                null,
                List.of(new Manifest.FileEntry(
                        "disk.img", Manifest.Type.FILE, 300L << 30, 0644, Instant.EPOCH, "00", null)));
        assertThatThrownBy(() -> ArchiveCheck.requireRestorable(huge, 1000))
                .hasMessageStartingWith("it could never be restored: it holds 322122547200 bytes, more than the");
        Manifest tiny = HostileBackups.manifest("a.txt", "x");
        assertThatThrownBy(() -> ArchiveCheck.requireRestorable(tiny, ArchiveCheck.MAX_MANIFEST_BYTES + 1L))
                .hasMessageContaining("its manifest would be");
    }

    static boolean isLink(Path p) {
        return Files.isSymbolicLink(p) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }
}
