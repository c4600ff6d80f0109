package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentctl.io.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupRoundTripTest {

    @TempDir
    Path tmp;

    @Test
    void restoringABackupGivesBackEveryFileByteForByteWithModesTimesAndSymlinks() throws IOException {
        Path instance = Fixtures.instance(tmp.resolve("instances"), "alice");
        TreeMap<String, String> before = Fixtures.describe(instance);

        BackupWriter.Result r = new BackupWriter(java.time.Clock.systemUTC(), Compression.ZSTD)
                .write(instance, tmp.resolve("backups"), Fixtures.meta("alice"), BackupWriter.Quiescer.none());
        Path restored = tmp.resolve("restored/alice");
        Manifest m = Restorer.restore(r.archive(), restored);

        assertThat(Fixtures.describe(restored)).isEqualTo(before);
        assertThat(before)
                .containsKeys(
                        ".env",
                        "workspace/cron",
                        "config/auth",
                        "workspace/current-soul",
                        "dangling",
                        Fixtures.LONG_FILE);
        assertThat(Fixtures.LONG_FILE.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(100);
        if (Fixtures.unicodeFileNames()) assertThat(before).containsKey(Fixtures.UNICODE_FILE);
        assertThat(m.instance()).isEqualTo("alice");
        assertThat(m.files()).hasSize(before.size());
    }

    @Test
    void archiveIsNamedByInstanceAndUtcTimePrivateAndEndsWithItsManifest() throws IOException {
        Path instance = Fixtures.instance(tmp.resolve("instances"), "alice");
        BackupWriter writer = new BackupWriter(Fixtures.clockAt("2026-03-04T05:06:07.890Z"), Compression.ZSTD);

        BackupWriter.Result r =
                writer.write(instance, tmp.resolve("backups"), Fixtures.meta("alice"), BackupWriter.Quiescer.none());

        assertThat(r.archive()).isEqualTo(tmp.resolve("backups/alice/alice-20260304T050607Z.tar.zst"));
        assertThat(perms(r.archive())).isEqualTo("rw-------");
        assertThat(perms(r.sidecar())).isEqualTo("rw-------");
        assertThat(perms(tmp.resolve("backups/alice"))).isEqualTo("rwx------");
        assertThat(Fixtures.names(tmp.resolve("backups/alice")))
                .containsExactly("alice-20260304T050607Z.tar.zst", "alice-20260304T050607Z.tar.zst.manifest.json");

        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar =
                new TarArchiveInputStream(Compression.decompress(Files.newInputStream(r.archive())), "UTF-8")) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) names.add(e.getName());
        }
        // the manifest comes first: its totals bound a restore before the first byte of the instance is written
        assertThat(names.get(0)).isEqualTo("manifest.json");
        assertThat(names.subList(1, names.size())).allMatch(n -> n.startsWith("instance/"));
        assertThat(names)
                .contains("instance/", "instance/.env", "instance/workspace/cron/", "instance/" + Fixtures.LONG_FILE);

        Manifest m = r.manifest();
        assertThat(m.formatVersion()).isEqualTo(2);
        assertThat(m.createdAt()).hasToString("2026-03-04T05:06:07Z");
        assertThat(m.port()).isEqualTo(18790);
        assertThat(m.model()).isEqualTo("anthropic/claude-sonnet");
        assertThat(m.runtimeBuild()).isEqualTo("rt-2026.1");
        assertThat(m.agentctlVersion()).isEqualTo("0.1.0");
        Manifest.FileEntry env = m.files().stream()
                .filter(f -> f.path().equals(".env"))
                .findFirst()
                .orElseThrow();
        assertThat(env.type()).isEqualTo(Manifest.Type.FILE);
        assertThat(env.modeString()).isEqualTo("0600");
        assertThat(env.sha256()).isEqualTo(Fixtures.sha256(instance.resolve(".env")));
        Manifest.FileEntry link = m.files().stream()
                .filter(f -> f.path().equals("workspace/current-soul"))
                .findFirst()
                .orElseThrow();
        assertThat(link.type()).isEqualTo(Manifest.Type.SYMLINK);
        assertThat(link.target()).isEqualTo("SOUL.md");

        String json = Fixtures.utf8(m.toJson());
        assertThat(json)
                .contains("\"mode\" : \"0600\"", "\"type\" : \"symlink\"", "\"createdAt\" : \"2026-03-04T05:06:07Z\"");
        assertThat(Manifest.parse(m.toJson())).isEqualTo(m);
        assertThat(r.fileCount()).isEqualTo((int)
                m.files().stream().filter(f -> f.type() == Manifest.Type.FILE).count());
        assertThat(r.bytesRead())
                .isEqualTo(
                        m.files().stream().mapToLong(Manifest.FileEntry::size).sum());
        assertThat(r.archiveSize()).isEqualTo(Files.size(r.archive()));
    }

    @Test
    void freshBackupPassesVerification() throws IOException {
        Path instance = Fixtures.instance(tmp.resolve("instances"), "alice");
        BackupWriter.Result r = new BackupWriter(java.time.Clock.systemUTC(), Compression.ZSTD)
                .write(instance, tmp.resolve("backups"), Fixtures.meta("alice"), BackupWriter.Quiescer.none());

        BackupVerifier.Result v = BackupVerifier.check(r.archive());

        assertThat(v.problems()).isEmpty();
        assertThat(v.ok()).isTrue();
        assertThat(v.manifest()).isEqualTo(r.manifest());
        assertThat(v.bytes()).isEqualTo(r.bytesRead());
    }

    @Test
    void gnuTarListsTheLongAndNonAsciiNamesToo() throws Exception {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")), "no tar here");
        Path instance = Fixtures.instance(tmp.resolve("instances"), "alice");
        BackupWriter.Result r = new BackupWriter(java.time.Clock.systemUTC(), Compression.ZSTD)
                .write(instance, tmp.resolve("backups"), Fixtures.meta("alice"), BackupWriter.Quiescer.none());

        Process p = new ProcessBuilder("tar", "--zstd", "-tf", r.archive().toString())
                .redirectErrorStream(true)
                .start();
        String listing;
        try (InputStream in = p.getInputStream()) {
            listing = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor()).as(listing).isZero();
        assertThat(listing).contains("instance/" + Fixtures.LONG_FILE, "manifest.json");
        if (Fixtures.unicodeFileNames()) assertThat(listing).contains("instance/" + Fixtures.UNICODE_FILE);
    }

    @Test
    void restoreReplacesTheExistingFolderAndLeavesNoTemporaryFolders() throws IOException {
        Path instances = tmp.resolve("instances");
        Path instance = Fixtures.instance(instances, "alice");
        TreeMap<String, String> before = Fixtures.describe(instance);
        BackupWriter.Result r = new BackupWriter(java.time.Clock.systemUTC(), Compression.ZSTD)
                .write(instance, tmp.resolve("backups"), Fixtures.meta("alice"), BackupWriter.Quiescer.none());
        Files.writeString(instance.resolve("config/config.json"), "broken");
        Files.writeString(instance.resolve("stray.txt"), "not in the backup");

        Restorer.restore(r.archive(), instance);

        assertThat(Fixtures.describe(instance)).isEqualTo(before);
        assertThat(Fixtures.names(instances)).containsExactly("alice");
    }

    @Test
    void failedRestoreLeavesTheCurrentFolderAsItWasAndNothingElse() throws IOException {
        Path instances = tmp.resolve("instances");
        Path instance = Fixtures.instance(instances, "alice");
        BackupWriter.Result r = new BackupWriter(java.time.Clock.systemUTC(), Compression.ZSTD)
                .write(instance, tmp.resolve("backups"), Fixtures.meta("alice"), BackupWriter.Quiescer.none());
        Files.writeString(instance.resolve("config/config.json"), "current");
        TreeMap<String, String> current = Fixtures.describe(instance);
        byte[] whole = Files.readAllBytes(r.archive());
        Path cut = tmp.resolve("cut.tar.gz");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length * 2 / 3));

        assertThatThrownBy(() -> Restorer.restore(cut, instance)).isInstanceOf(IOException.class);

        assertThat(Fixtures.describe(instance)).isEqualTo(current);
        assertThat(Fixtures.names(instances)).containsExactly("alice");
    }

    @Test
    void restoreRefusesAnArchiveWhoseFilesDoNotMatchItsManifest() throws IOException {
        Path instances = tmp.resolve("instances");
        byte[] archive = HostileBackups.withManifest(
                dev.agentctl.io.TarMaker.tar().dir("instance", 0700).file("instance/a.txt", "tampered"),
                HostileBackups.manifest("a.txt", "original"));
        Path file = Files.write(tmp.resolve("x.tar.gz"), archive);

        assertThatThrownBy(() -> Restorer.restore(file, instances.resolve("alice")))
                .hasMessageContaining("checksum mismatch: a.txt");
        assertThat(Fixtures.names(instances)).isEmpty();
    }

    @Test
    void severalInstancesCanBeBackedUpAtTheSameTime() throws Exception {
        Path backups = tmp.resolve("backups");
        List<Path> instances = new ArrayList<>();
        for (int i = 0; i < 6; i++) instances.add(Fixtures.instance(tmp.resolve("instances"), "bot" + i));
        BackupWriter writer = new BackupWriter(java.time.Clock.systemUTC(), Compression.ZSTD);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<BackupWriter.Result>> futures = new ArrayList<>();
            for (Path inst : instances) {
                futures.add(pool.submit(() -> writer.write(
                        inst, backups, Fixtures.meta(inst.getFileName().toString()), BackupWriter.Quiescer.none())));
            }
            for (Future<BackupWriter.Result> f : futures) {
                BackupWriter.Result r = f.get();
                assertThat(BackupVerifier.check(r.archive()).problems()).isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(BackupCatalog.listAll(backups).backups()).hasSize(6);
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
