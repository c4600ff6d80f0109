package dev.agentctl.backup;

import dev.agentctl.io.TarReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code backup verify}: reads every byte of an archive exactly as a restore would ({@link ArchiveCheck}), without
 * writing anything, and reports each problem in one line.
 */
public final class BackupVerifier {

    /** @param manifest null when the archive has no readable manifest */
    public record Result(Path archive, Manifest manifest, List<String> problems, long entries, long bytes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private BackupVerifier() {}

    /** Never throws: an archive that cannot be read, or is refused, is a result with that problem. */
    public static Result check(Path archive) {
        try {
            ArchiveCheck.Outcome o =
                    ArchiveCheck.read(archive, ArchiveCheck.DISCARD, ArchiveCheck.Limits.defaults(), false);
            return new Result(archive, o.manifest(), o.problems(), o.entries(), o.bytes());
        } catch (TarReader.UnsafeArchiveException e) {
            return new Result(archive, null, List.of(e.getMessage()), 0, 0);
        } catch (IOException e) {
            return new Result(archive, null, List.of("cannot read: " + BackupWriter.describe(e)), 0, 0);
        }
    }
}
