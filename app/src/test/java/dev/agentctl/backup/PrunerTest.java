package dev.agentctl.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.io.Compression;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrunerTest {

    private static final Retention.Policy LAST_1 = Retention.Policy.empty().withLast(1);

    @TempDir
    Path tmp;

    private Path backups() {
        return tmp.resolve("backups");
    }

    private Path backup(String instance, String at) throws IOException {
        Path dir = tmp.resolve("instances/" + instance);
        if (!Files.exists(dir)) Fixtures.instance(tmp.resolve("instances"), instance);
        return new BackupWriter(Fixtures.clockAt(at), Compression.GZIP)
                .write(dir, backups(), Fixtures.meta(instance), BackupWriter.Quiescer.none())
                .archive();
    }

    /** Flips a byte in the middle: same size, so the sidecar still lists it, but it no longer verifies. */
    private static void corrupt(Path archive) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xff);
        }
    }

    private List<Path> archives(String instance) throws IOException {
        return Fixtures.names(backups().resolve(instance)).stream()
                .filter(n -> n.endsWith(".tar.gz"))
                .map(n -> backups().resolve(instance).resolve(n))
                .toList();
    }

    @Test
    void theNewestVerifiedBackupSurvivesKeepLastOneWhenTheNewestIsCorrupt() throws IOException {
        Path oldest = backup("alice", "2026-01-01T10:00:00Z");
        Path good = backup("alice", "2026-01-02T10:00:00Z");
        Path bad = backup("alice", "2026-01-03T10:00:00Z");
        corrupt(bad);

        Pruner.Outcome o = Pruner.prune(backups(), List.of(), LAST_1, false);

        assertThat(archives("alice")).containsExactly(good, bad);
        assertThat(oldest).doesNotExist();
        assertThat(BackupWriter.sidecarOf(oldest)).doesNotExist();
        assertThat(o.removed()).isEqualTo(1);
        assertThat(o.decisions())
                .extracting(d -> d.item().archive().getFileName() + " " + d.keep() + " " + d.reasons())
                .containsExactly(
                        bad.getFileName() + " true [last snapshot]",
                        good.getFileName() + " true [" + Pruner.NEWEST_VERIFIED + "]",
                        oldest.getFileName() + " false []");
        assertThat(o.problems())
                .singleElement()
                .asString()
                .contains(bad.toString())
                .contains("does not verify");
    }

    @Test
    void whenTheNewestVerifiesItIsTheOneKeptAndAllIsWell() throws IOException {
        Path older = backup("alice", "2026-01-01T10:00:00Z");
        Path newest = backup("alice", "2026-01-02T10:00:00Z");
        Path bob = backup("bob", "2026-01-02T11:00:00Z");

        Pruner.Outcome o = Pruner.prune(backups(), List.of(), LAST_1, false);

        assertThat(o.problems()).isEmpty();
        assertThat(o.removed()).isEqualTo(1);
        assertThat(archives("alice")).containsExactly(newest);
        assertThat(older).doesNotExist();
        assertThat(archives("bob")).containsExactly(bob);
        assertThat(o.decisions())
                .filteredOn(d -> d.item().archive().equals(newest))
                .singleElement()
                .satisfies(d -> assertThat(d.reasons()).containsExactly("last snapshot", Pruner.NEWEST_VERIFIED));
    }

    @Test
    void dryRunRemovesNothingAndOnlyNamedInstancesArePruned() throws IOException {
        Path a1 = backup("alice", "2026-01-01T10:00:00Z");
        Path a2 = backup("alice", "2026-01-02T10:00:00Z");
        Path b1 = backup("bob", "2026-01-01T10:00:00Z");
        Path b2 = backup("bob", "2026-01-02T10:00:00Z");

        Pruner.Outcome dry = Pruner.prune(backups(), List.of(), LAST_1, true);
        assertThat(dry.removed()).isEqualTo(2);
        assertThat(archives("alice")).containsExactly(a1, a2);
        assertThat(archives("bob")).containsExactly(b1, b2);

        Pruner.Outcome bobOnly = Pruner.prune(backups(), List.of("bob"), LAST_1, false);
        assertThat(bobOnly.removed()).isEqualTo(1);
        assertThat(bobOnly.decisions()).allMatch(d -> d.item().instance().equals("bob"));
        assertThat(archives("alice")).containsExactly(a1, a2);
        assertThat(archives("bob")).containsExactly(b2);
    }

    @Test
    void unlistableArchivesAreProblemsAndNeverRemoved() throws IOException {
        backup("alice", "2026-01-01T10:00:00Z");
        Path newest = backup("alice", "2026-01-02T10:00:00Z");
        Path garbage = Files.writeString(backups().resolve("alice/alice-20250101T000000Z.tar.gz"), "garbage");

        Pruner.Outcome o = Pruner.prune(backups(), List.of(), LAST_1, false);

        assertThat(archives("alice")).containsExactly(garbage, newest);
        assertThat(o.problems()).singleElement().asString().contains(garbage.toString());
    }

    @Test
    void whenNoBackupVerifiesThePolicyStillDecidesAndItIsReported() throws IOException {
        Path older = backup("alice", "2026-01-01T10:00:00Z");
        Path newest = backup("alice", "2026-01-02T10:00:00Z");
        corrupt(older);
        corrupt(newest);

        Pruner.Outcome o = Pruner.prune(backups(), List.of(), LAST_1, false);

        assertThat(archives("alice")).containsExactly(newest);
        assertThat(o.problems()).hasSize(3).last().asString().isEqualTo("no backup of alice verifies");
    }
}
