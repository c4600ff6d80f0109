package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentctl.io.Compression;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupWriterFailureTest {

    @TempDir
    Path tmp;

    Path instance;
    Path backups;
    Path older;
    String olderSha;

    @BeforeEach
    void anOlderBackupExists() throws IOException {
        instance = Fixtures.instance(tmp.resolve("instances"), "alice");
        backups = tmp.resolve("backups");
        older = new BackupWriter(Fixtures.clockAt("2026-01-01T00:00:00Z"), Compression.GZIP)
                .write(instance, backups, Fixtures.meta("alice"), BackupWriter.Quiescer.none())
                .archive();
        olderSha = Fixtures.sha256(older);
    }

    private void assertOnlyTheOlderBackupRemains() throws IOException {
        assertThat(Fixtures.names(backups.resolve("alice")))
                .containsExactly(older.getFileName().toString(), older.getFileName() + ".manifest.json");
        assertThat(Fixtures.sha256(older)).isEqualTo(olderSha);
    }

    /** Counts quiesce and release calls, like the lead's pause/unpause. */
    private static final class CountingQuiescer implements BackupWriter.Quiescer {
        final AtomicInteger quiesced = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();

        @Override
        public AutoCloseable quiesce() {
            quiesced.incrementAndGet();
            return released::incrementAndGet;
        }
    }

    @Test
    void diskFullHalfWayRemovesThePartialKeepsOlderBackupsAndReleasesTheInstance() throws IOException {
        CountingQuiescer q = new CountingQuiescer();
        BackupWriter writer = new BackupWriter(
                Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP, out -> new FilterOutputStream(out) {
                    long written;

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        written += len;
                        if (written > 50_000) throw new IOException("No space left on device");
                        out.write(b, off, len);
                    }
                });

        assertThatThrownBy(() -> writer.write(instance, backups, Fixtures.meta("alice"), q))
                .isInstanceOf(IOException.class)
                .hasMessage("backup of instance alice failed: No space left on device");

        assertOnlyTheOlderBackupRemains();
        assertThat(q.quiesced).hasValue(1);
        assertThat(q.released).hasValue(1);
    }

    @Test
    void fifoInTheInstanceFolderIsSkippedWithAWarningInsteadOfHangingTheBackup() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")), "no mkfifo here");
        assertThat(new ProcessBuilder(
                                "/usr/bin/mkfifo",
                                instance.resolve("workspace/pipe").toString())
                        .start()
                        .waitFor())
                .isZero();
        BackupWriter.Result r = new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                .write(instance, backups, Fixtures.meta("alice"), BackupWriter.Quiescer.none());
        assertThat(r.warnings()).containsExactly("skipped workspace/pipe: not a regular file, folder or symlink");
        assertThat(r.manifest().files()).noneMatch(f -> f.path().equals("workspace/pipe"));
        assertThat(BackupVerifier.check(r.archive()).problems()).isEmpty();
    }

    @Test
    void quiescerThatFailsToPauseAbortsWithoutReadingAnything() throws IOException {
        BackupWriter.Quiescer broken = () -> {
            throw new IllegalStateException("docker pause failed: container is restarting");
        };
        assertThatThrownBy(() -> new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                        .write(instance, backups, Fixtures.meta("alice"), broken))
                .hasMessage("backup of instance alice failed: docker pause failed: container is restarting");
        assertOnlyTheOlderBackupRemains();
    }

    @Test
    void failureToUnpauseFailsTheBackupSoTheOperatorHearsOfIt() throws IOException {
        BackupWriter.Quiescer q = () -> () -> {
            throw new IllegalStateException("docker unpause failed");
        };
        assertThatThrownBy(() -> new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                        .write(instance, backups, Fixtures.meta("alice"), q))
                .hasMessageContaining("releasing the held instance failed: docker unpause failed");
        assertOnlyTheOlderBackupRemains();
    }

    @Test
    void instanceIsReleasedEvenWhenReadingFails() throws IOException {
        CountingQuiescer q = new CountingQuiescer();
        BackupWriter writer = new BackupWriter(
                Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP, out -> new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        throw new IOException("Input/output error");
                    }
                });
        assertThatThrownBy(() -> writer.write(instance, backups, Fixtures.meta("alice"), q))
                .hasMessageContaining("Input/output error");
        assertThat(q.released).hasValue(1);
        assertOnlyTheOlderBackupRemains();
    }

    @Test
    void quiesceLastsFromPauseToReleaseAndIsReported() throws IOException {
        BackupWriter.Quiescer slow = () -> {
            sleep(30);
            return () -> sleep(30);
        };
        BackupWriter.Result r = new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                .write(instance, backups, Fixtures.meta("alice"), slow);
        assertThat(r.quiesced()).isGreaterThanOrEqualTo(Duration.ofMillis(60));
    }

    @Test
    void partialLeftByAKilledRunIsRemovedByTheNextRun() throws IOException {
        Path stale = Files.writeString(backups.resolve("alice/.alice-20260101T120000Z.tar.gz.partial"), "half");
        Path staleSide =
                Files.writeString(backups.resolve("alice/.alice-20260101T120000Z.tar.gz.manifest.json.partial"), "{");

        new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                .write(instance, backups, Fixtures.meta("alice"), BackupWriter.Quiescer.none());

        assertThat(stale).doesNotExist();
        assertThat(staleSide).doesNotExist();
        assertThat(Fixtures.names(backups.resolve("alice"))).hasSize(4).noneMatch(n -> n.startsWith("."));
    }

    @Test
    void partialStillBeingWrittenIsNotRemoved() throws IOException {
        Path active = Files.writeString(backups.resolve("alice/.alice-20260101T120000Z.tar.gz.partial"), "writing");
        try (FileChannel ch = FileChannel.open(active, StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            assertThat(held.isValid()).isTrue();
            assertThat(BackupWriter.removeStalePartials(backups.resolve("alice")))
                    .isEmpty();
            assertThat(active).exists();
        }
        assertThat(BackupWriter.removeStalePartials(backups.resolve("alice"))).containsExactly(active);
    }

    @Test
    void runThatFindsTheSameBackupBeingWrittenGivesUpWithoutTouchingTheOtherRunsFile() throws IOException {
        Path other = Files.writeString(backups.resolve("alice/.alice-20260102T000000Z.tar.gz.partial"), "in progress");
        try (FileChannel ch = FileChannel.open(other, StandardOpenOption.WRITE);
                FileLock held = ch.lock()) {
            assertThat(held.isValid()).isTrue();
            assertThatThrownBy(() -> new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                            .write(instance, backups, Fixtures.meta("alice"), BackupWriter.Quiescer.none()))
                    .hasMessageContaining("another backup run is writing");
            assertThat(Files.readString(other)).isEqualTo("in progress");
        }
    }

    @Test
    void sidecarWhoseArchiveWasDeletedIsCleanedUp() throws IOException {
        Files.delete(older);
        List<Path> removed = BackupWriter.removeStalePartials(backups.resolve("alice"));
        assertThat(removed).containsExactly(BackupWriter.sidecarOf(older));
    }

    @Test
    void secondBackupInTheSameSecondGetsANameOfItsOwnAndLeavesTheFirstAlone() throws IOException {
        byte[] first = Files.readAllBytes(older);
        BackupWriter.Result r = new BackupWriter(Fixtures.clockAt("2026-01-01T00:00:00.500Z"), Compression.GZIP)
                .write(instance, backups, Fixtures.meta("alice"), BackupWriter.Quiescer.none());
        assertThat(r.archive().getFileName().toString())
                .isEqualTo(older.getFileName().toString().replace(".tar.gz", "-2.tar.gz"));
        assertThat(Files.readAllBytes(older)).isEqualTo(first);
        assertThat(BackupVerifier.check(r.archive()).ok()).isTrue();
    }

    @Test
    void instanceNamesThatCouldEscapeTheBackupFolderAreRefused() {
        assertThatThrownBy(() -> new BackupWriter(java.time.Clock.systemUTC(), Compression.GZIP)
                        .write(instance, backups, Fixtures.meta("../evil"), BackupWriter.Quiescer.none()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void linkWhereTheInstancesBackupFolderShouldBeIsRefusedAndItsTargetKeepsItsMode() throws IOException {
        Path victim = Files.createDirectory(tmp.resolve("victim"));
        Files.setPosixFilePermissions(victim, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path elsewhere = tmp.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        Files.createSymbolicLink(elsewhere.resolve("alice"), victim);

        assertThatThrownBy(() -> new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                        .write(instance, elsewhere, Fixtures.meta("alice"), BackupWriter.Quiescer.none()))
                .isInstanceOf(IOException.class)
                .hasMessage("refusing to write backups into " + elsewhere.resolve("alice") + ": it is a symbolic link");

        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)))
                .isEqualTo("rwxr-xr-x");
        assertThat(Fixtures.names(victim)).isEmpty();
    }

    @Test
    void aSparseFileClaimingTerabytesIsRefusedBeforeItIsCopiedAndLeavesNothing() throws IOException {
        // what `truncate -s 8T workspace/x` in the container makes: it costs the agent no disk at all
        try (FileChannel ch = FileChannel.open(
                instance.resolve("workspace/huge.bin"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 8L << 40);
        }
        long freeBefore = Files.getFileStore(tmp).getUsableSpace();

        assertThatThrownBy(() -> new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                        .write(instance, backups, Fixtures.meta("alice"), BackupWriter.Quiescer.none()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("workspace/huge.bin, which says it has 8796093022209")
                .hasMessageContaining("a backup needs room for a copy and the archive");

        assertOnlyTheOlderBackupRemains();
        assertThat(Files.getFileStore(tmp).getUsableSpace()).isGreaterThan(freeBefore - (64L << 20));
    }

    @Test
    void aTreeNestedDeeperThanAnyWorkspaceIsRefusedWithItsPath() throws IOException {
        Path d = instance.resolve("workspace");
        for (int i = 0; i < Snapshot.MAX_DEPTH + 5; i++) {
            d = Files.createDirectory(d.resolve("d"));
        }
        assertThatThrownBy(() -> new BackupWriter(Fixtures.clockAt("2026-01-02T00:00:00Z"), Compression.GZIP)
                        .write(instance, backups, Fixtures.meta("alice"), BackupWriter.Quiescer.none()))
                .hasMessageContaining("is nested more than " + Snapshot.MAX_DEPTH + " folders deep");
        assertOnlyTheOlderBackupRemains();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
