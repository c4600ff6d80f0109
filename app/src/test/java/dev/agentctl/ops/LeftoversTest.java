package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What an agentctl killed part way leaves on disk is never counted as an instance, and the next command that takes
 * the fleet lock puts it right, saying what it did.
 */
class LeftoversTest extends FakeFleet {

    @Test
    void halfMadeFoldersOfKilledRunsAreNeitherListedNorKeptAndAreRemovedByTheNextRun() throws IOException {
        ok("create", "alice");
        Path instances = root.resolve("instances");
        // a create killed before its rename, a restore killed while staging, a runtime build and an export killed
        Files.createDirectories(instances.resolve(".create-bob-123/config"));
        Files.writeString(instances.resolve(".create-bob-123/config/config.json"), "{}");
        Files.createDirectories(instances.resolve(".alice.restore-456/workspace"));
        Path partialBuild = Files.createDirectories(root.resolve("runtime/.venv-B.partial/lib"));
        Path partialExport = Files.writeString(root.resolve("runtime/.venv.tar.gz.partial"), "half");

        assertThat(ok("list").out()).contains("alice").doesNotContain("bob");
        assertThat(ok("status").out()).doesNotContain("bob").doesNotContain("restore");

        Cli.Result r = ok("create", "carol");

        assertThat(r.err())
                .contains("removed " + instances.resolve(".create-bob-123")
                        + ", left by an interrupted create or restore")
                .contains("removed " + instances.resolve(".alice.restore-456"))
                .contains("removed " + partialBuild.getParent() + ", left by an interrupted runtime build");
        assertThat(instances.resolve(".create-bob-123")).doesNotExist();
        assertThat(instances.resolve(".alice.restore-456")).doesNotExist();
        assertThat(partialBuild.getParent()).doesNotExist();
        assertThat(partialExport).doesNotExist();
        assertThat(root.resolve("instances/alice/config/config.json")).exists();
    }

    @Test
    void aFolderRenamedAsideByASwapThatNeverFinishedIsPutBackOrTrashed() throws IOException {
        ok("create", "alice");
        ok("create", "bob");
        Path instances = root.resolve("instances");
        // a restore --force killed between its two renames: bob's folder is only at its aside name
        Files.move(instances.resolve("bob"), instances.resolve(".bob.old-789"));
        // and one killed after both: alice has her new folder, the replaced one is still beside it
        Files.createDirectories(instances.resolve(".alice.old-790/workspace"));
        Files.writeString(instances.resolve(".alice.old-790/workspace/MEMORY.md"), "the replaced memory");

        Cli.Result r = ok("create", "carol");

        assertThat(r.err())
                .contains("put bob's folder back from " + instances.resolve(".bob.old-789"))
                .contains("moved alice's replaced folder " + instances.resolve(".alice.old-790") + " to ");
        assertThat(instances.resolve("bob/config/config.json")).exists();
        assertThat(instances.resolve(".bob.old-789")).doesNotExist();
        assertThat(instances.resolve(".alice.old-790")).doesNotExist();
        // the replaced folder is not lost: it is in the trash
        assertThat(ok("trash", "list").out()).contains("alice");
        assertThat(ok("list").out()).contains("alice").contains("bob").contains("carol");
    }
}
