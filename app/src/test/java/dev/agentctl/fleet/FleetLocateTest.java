package dev.agentctl.fleet;

import static dev.agentctl.fleet.ValidateTest.assertBadInput;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet root: --root, else $AGENTCTL_ROOT, else the nearest parent folder holding fleet.yaml. */
class FleetLocateTest {
    @TempDir
    Path tmp;

    @Test
    void explicitRootWins() {
        assertThat(Fleet.locate(tmp.resolve("a"), tmp.resolve("b").toString(), tmp)
                        .root())
                .isEqualTo(tmp.resolve("a"));
    }

    @Test
    void thenTheEnvironment() {
        assertThat(Fleet.locate(null, tmp.resolve("b").toString(), tmp).root()).isEqualTo(tmp.resolve("b"));
    }

    @Test
    void thenTheNearestParentHoldingFleetYaml() throws IOException {
        Files.writeString(tmp.resolve("fleet.yaml"), "");
        Path deep = Files.createDirectories(tmp.resolve("instances/alice/workspace"));
        assertThat(Fleet.locate(null, null, deep).root()).isEqualTo(tmp.toAbsolutePath());
        Files.createDirectories(tmp.resolve("instances/inner"));
        Files.writeString(tmp.resolve("instances/inner/fleet.yaml"), "");
        assertThat(Fleet.locate(null, "", tmp.resolve("instances/inner")).root())
                .isEqualTo(tmp.resolve("instances/inner").toAbsolutePath());
    }

    @Test
    void noneFoundSaysHowToMakeOne() throws IOException {
        Path lonely = Files.createDirectories(tmp.resolve("lonely"));
        // a fleet.yaml higher up (e.g. in / or the temp folder) would be found legitimately; only check when none is
        boolean anyAbove = false;
        for (Path p = lonely.toAbsolutePath(); p != null; p = p.getParent()) {
            anyAbove |= Files.isRegularFile(p.resolve("fleet.yaml"));
        }
        if (!anyAbove) {
            assertBadInput(() -> Fleet.locate(null, null, lonely), "agentctl init");
        }
    }

    @Test
    void openingAFolderWithoutFleetYamlSaysHowToMakeOne() {
        assertBadInput(() -> Fleet.open(tmp), "agentctl init");
    }
}
