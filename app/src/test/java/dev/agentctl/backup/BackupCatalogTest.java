package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.io.Compression;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupCatalogTest {

    @TempDir
    Path tmp;

    private BackupWriter.Result backup(String instance, String at) throws IOException {
        Path dir = tmp.resolve("instances/" + instance);
        if (!Files.exists(dir)) Fixtures.instance(tmp.resolve("instances"), instance);
        return new BackupWriter(Fixtures.clockAt(at), Compression.GZIP)
                .write(dir, tmp.resolve("backups"), Fixtures.meta(instance), BackupWriter.Quiescer.none());
    }

    @Test
    void listsEachInstanceNewestFirstWithTheTimeFromTheManifest() throws IOException {
        backup("alice", "2026-01-01T10:00:00Z");
        backup("alice", "2026-01-03T10:00:00Z");
        backup("bob", "2026-01-02T10:00:00Z");

        BackupCatalog.Listing all = BackupCatalog.listAll(tmp.resolve("backups"));

        assertThat(all.problems()).isEmpty();
        assertThat(all.backups())
                .extracting(b -> b.instance() + "@" + b.createdAt())
                .containsExactly(
                        "alice@2026-01-03T10:00:00Z", "bob@2026-01-02T10:00:00Z", "alice@2026-01-01T10:00:00Z");
        assertThat(all.backups()).allMatch(BackupCatalog.Backup::fromSidecar);
        assertThat(BackupCatalog.list(tmp.resolve("backups"), "bob").backups()).hasSize(1);
        assertThat(BackupCatalog.list(tmp.resolve("backups"), "nobody").backups())
                .isEmpty();
        BackupCatalog.Backup first = all.backups().get(0);
        assertThat(first.size()).isEqualTo(Files.size(first.archive()));
    }

    @Test
    void misleadingFileNameAndMtimeDoNotChangeTheListedTime() throws IOException {
        BackupWriter.Result r = backup("alice", "2026-01-01T10:00:00Z");
        Path renamed = r.archive().resolveSibling("alice-20990101T000000Z.tar.gz");
        Files.move(r.archive(), renamed);
        Files.setLastModifiedTime(renamed, FileTime.from(Instant.parse("1999-01-01T00:00:00Z")));

        BackupCatalog.Backup b =
                BackupCatalog.list(tmp.resolve("backups"), "alice").backups().get(0);

        assertThat(b.createdAt()).isEqualTo(Instant.parse("2026-01-01T10:00:00Z"));
        assertThat(b.fromSidecar())
                .as("the sidecar names another archive, so the archive itself was read")
                .isFalse();
    }

    @Test
    void archiveWithoutSidecarIsListedFromItsOwnManifest() throws IOException {
        BackupWriter.Result r = backup("alice", "2026-01-01T10:00:00Z");
        Files.delete(r.sidecar());

        BackupCatalog.Backup b =
                BackupCatalog.list(tmp.resolve("backups"), "alice").backups().get(0);

        assertThat(b.fromSidecar()).isFalse();
        assertThat(b.createdAt()).isEqualTo(Instant.parse("2026-01-01T10:00:00Z"));
        assertThat(BackupCatalog.readManifest(r.archive())).isEqualTo(r.manifest());
    }

    @Test
    void partialFilesAreIgnoredAndUnreadableArchivesReported() throws IOException {
        backup("alice", "2026-01-01T10:00:00Z");
        Path dir = tmp.resolve("backups/alice");
        Files.writeString(dir.resolve(".alice-20260102T000000Z.tar.gz.partial"), "half");
        Files.writeString(dir.resolve("alice-20260103T000000Z.tar.gz"), "garbage");

        BackupCatalog.Listing l = BackupCatalog.list(tmp.resolve("backups"), "alice");

        assertThat(l.backups()).hasSize(1);
        assertThat(l.problems()).singleElement().asString().contains("alice-20260103T000000Z.tar.gz");
    }

    @Test
    void verifyAllSeesUnreadableArchivesTooButNotPartials() throws IOException {
        Path good = backup("alice", "2026-01-01T10:00:00Z").archive();
        Path dir = tmp.resolve("backups/alice");
        Files.writeString(dir.resolve(".alice-20260102T000000Z.tar.gz.partial"), "half");
        Files.writeString(tmp.resolve("backups/.hidden-folder.tar.gz"), "not in an instance folder");
        Path garbage = Files.writeString(dir.resolve("alice-20260103T000000Z.tar.gz"), "garbage");
        Path orphan = Files.writeString(
                Files.createDirectories(tmp.resolve("backups/gone")).resolve("gone-x.tar.gz"), "");

        List<Path> all = BackupCatalog.archives(tmp.resolve("backups"));

        assertThat(BackupCatalog.listAll(tmp.resolve("backups")).backups())
                .as("listed from manifests")
                .hasSize(1);
        assertThat(all).containsExactly(good, garbage, orphan);
        List<BackupVerifier.Result> bad =
                all.stream().map(BackupVerifier::check).filter(r -> !r.ok()).toList();
        assertThat(bad).extracting(BackupVerifier.Result::archive).containsExactly(garbage, orphan);
        assertThat(bad).allSatisfy(r -> assertThat(r.problems()).isNotEmpty());
    }

    @Test
    void deletingABackupRemovesTheArchiveAndItsSidecar() throws IOException {
        BackupWriter.Result r = backup("alice", "2026-01-01T10:00:00Z");
        BackupCatalog.delete(r.archive());
        assertThat(Fixtures.names(tmp.resolve("backups/alice"))).isEmpty();
    }
}
