package dev.agentctl.backup;

import static dev.agentctl.io.TarMaker.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentctl.io.Compression;
import dev.agentctl.io.TarMaker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupVerifierTest {

    @TempDir
    Path tmp;

    private BackupVerifier.Result verify(byte[] archive) throws IOException {
        Path file = Files.write(tmp.resolve("alice-20260101T000000Z.tar.gz"), archive);
        List<String> before = Fixtures.names(tmp);
        BackupVerifier.Result r = BackupVerifier.check(file);
        assertThat(Fixtures.names(tmp)).as("verify never writes anything").isEqualTo(before);
        return r;
    }

    private static TarMaker good() {
        return tar().dir("instance", 0700).file("instance/a.txt", "original");
    }

    @Test
    void handMadeArchiveMatchingItsManifestPasses() throws IOException {
        BackupVerifier.Result r =
                verify(HostileBackups.withManifest(good(), HostileBackups.manifest("a.txt", "original")));
        assertThat(r.problems()).isEmpty();
        assertThat(r.entries())
                .as("the instance's entries: its folder and a.txt")
                .isEqualTo(2);
    }

    @Test
    void fileWhoseBytesDifferFromTheManifestChecksumIsReported() throws IOException {
        BackupVerifier.Result r = verify(HostileBackups.withManifest(
                tar().dir("instance", 0700).file("instance/a.txt", "tampered"),
                HostileBackups.manifest("a.txt", "original")));
        assertThat(r.problems())
                .singleElement()
                .asString()
                .startsWith("checksum mismatch: a.txt has sha256 "
                        + HostileBackups.sha256("tampered".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void missingExtraResizedAndReModedFilesAreEachReportedOnOneLine() throws IOException {
        byte[] archive = HostileBackups.withManifest(
                tar().dir("instance", 0700)
                        .file("instance/a.txt", "original")
                        .file("instance/grown.txt", "longer than before".getBytes(StandardCharsets.UTF_8), 0644)
                        .file("instance/chmod.txt", "same".getBytes(StandardCharsets.UTF_8), 0666)
                        .file("instance/extra.txt", "surprise"),
                HostileBackups.manifest(
                        "a.txt", "original", "gone.txt", "lost", "grown.txt", "short", "chmod.txt", "same"));

        List<String> problems = verify(archive).problems();

        assertThat(problems).anyMatch(p -> p.equals("missing: gone.txt (listed in the manifest)"));
        assertThat(problems).anyMatch(p -> p.startsWith("size mismatch: grown.txt has 18 bytes, manifest says 5"));
        // a restore of it stops at once: it holds more bytes than it declared
        Path file = Files.write(tmp.resolve("grown.tar.gz"), archive);
        assertThatThrownBy(() -> Restorer.restore(file, tmp.resolve("restored")))
                .hasMessageContaining("budget");
        assertThat(tmp.resolve("restored")).doesNotExist();
        assertThat(problems).anyMatch(p -> p.startsWith("checksum mismatch: grown.txt"));
        assertThat(problems).anyMatch(p -> p.equals("mode mismatch: chmod.txt is 0666, manifest says 0644"));
        assertThat(problems).anyMatch(p -> p.equals("not in the manifest: extra.txt"));
        assertThat(problems).hasSize(5).allMatch(p -> !p.contains("\n"));
    }

    @Test
    void archiveWithoutManifestIsReported() throws IOException {
        assertThat(verify(good().gzip()).problems()).containsExactly("manifest.json is missing");
    }

    @Test
    void manifestThatIsNotTheLastEntryIsReported() throws IOException {
        byte[] archive = HostileBackups.withManifest(good(), HostileBackups.manifest("a.txt", "original"));
        // re-pack with a file after the manifest
        byte[] later = tar().dir("instance", 0700)
                .file("instance/a.txt", "original")
                .file(
                        "manifest.json",
                        HostileBackups.manifest("a.txt", "original").toJson(),
                        0600)
                .file("instance/late.txt", "late")
                .gzip();
        assertThat(verify(archive).problems()).isEmpty();
        assertThat(verify(later).problems()).contains("manifest.json is not the last entry");
    }

    @Test
    void manifestThatIsNotJsonIsReported() throws IOException {
        byte[] archive = good().file("manifest.json", "{not json".getBytes(StandardCharsets.UTF_8), 0600)
                .gzip();
        assertThat(verify(archive).problems()).singleElement().asString().startsWith("manifest.json is not valid JSON");
    }

    @Test
    void truncatedArchiveIsReportedNotThrown() throws IOException {
        byte[] big = new byte[400_000];
        new java.util.Random(1).nextBytes(big);
        byte[] whole = HostileBackups.withManifest(
                tar().dir("instance", 0700).file("instance/big.bin", big, 0644), HostileBackups.manifest());
        BackupVerifier.Result r = verify(Arrays.copyOf(whole, whole.length / 2));
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).anyMatch(p -> p.contains("archive is truncated or corrupt"));
    }

    @Test
    void cutOffGzipTrailerIsReported() throws IOException {
        byte[] whole = HostileBackups.withManifest(good(), HostileBackups.manifest("a.txt", "original"));
        BackupVerifier.Result r = verify(Arrays.copyOf(whole, whole.length - 4));
        assertThat(r.problems()).anyMatch(p -> p.contains("truncated or corrupt"));
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> unsafe() {
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(good().file("/etc/cron.d/evil", "x"), "absolute path"),
                org.junit.jupiter.params.provider.Arguments.of(good().file("instance/../../escape", "x"), "'..'"),
                org.junit.jupiter.params.provider.Arguments.of(
                        good().hardlink("instance/hard", "instance/a.txt"), "hard links are not allowed"),
                org.junit.jupiter.params.provider.Arguments.of(good().charDevice("instance/dev"), "device files"),
                org.junit.jupiter.params.provider.Arguments.of(good().fifo("instance/pipe"), "FIFOs"),
                org.junit.jupiter.params.provider.Arguments.of(
                        good().file("other/x", "x"), "not part of an agentctl backup"));
    }

    /** The same reader refuses these as restore does: the archive's one problem, naming the entry. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("unsafe")
    void unsafeEntriesAreReportedAsRestoreWouldRefuseThem(TarMaker entries, String reason) throws IOException {
        byte[] archive = HostileBackups.withManifest(entries, HostileBackups.manifest("a.txt", "original"));
        List<String> problems = verify(archive).problems();
        assertThat(problems)
                .singleElement()
                .asString()
                .startsWith("refused tar entry '")
                .contains(reason);
    }

    @Test
    void fileThatIsNotGzipIsReported() throws IOException {
        assertThat(verify("just text".getBytes(StandardCharsets.UTF_8)).problems())
                .singleElement()
                .asString()
                .contains("not a tar archive");
    }

    @Test
    void sidecarThatNoLongerMatchesTheArchiveIsReported() throws IOException {
        Path instance = Fixtures.instance(tmp.resolve("instances"), "alice");
        BackupWriter.Result r = new BackupWriter(java.time.Clock.systemUTC(), Compression.GZIP)
                .write(instance, tmp.resolve("backups"), Fixtures.meta("alice"), BackupWriter.Quiescer.none());
        String side = Files.readString(r.sidecar());
        Files.writeString(
                r.sidecar(), side.replaceFirst("\"archiveSha256\" : \"[0-9a-f]+\"", "\"archiveSha256\" : \"00\""));

        assertThat(BackupVerifier.check(r.archive()).problems())
                .singleElement()
                .asString()
                .contains("records sha256 00 but the archive has");
    }
}
