package dev.agentctl.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.support.FleetTestBase;
import dev.agentctl.support.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** create builds the instance in a hidden temporary folder and renames it into place: a failure leaves no trace. */
class ScaffolderAtomicityTest extends FleetTestBase {
    Fleet fleet;

    @BeforeEach
    void oneInstance() {
        ok("create", "alice", Integer.toString(freePort()));
        fleet = Fleet.open(root);
    }

    @Test
    void aFailureAfterTheWorkspaceStepLeavesNothing() throws IOException {
        List<String> before = names(fleet.instancesDir());
        Map<String, String> tree = snapshot();
        Scaffolder s = new Scaffolder(fleet, step -> {
            if (step.equals("workspace")) {
                throw new RuntimeException("injected");
            }
        });

        assertThatThrownBy(() -> s.create(request("bob"), renderer())).hasMessage("injected");

        assertThat(names(fleet.instancesDir()))
                .as("instances/, hidden entries included")
                .isEqualTo(before);
        assertThat(fleet.instanceDir("bob")).doesNotExist();
        assertThat(TreeSnapshot.diff(tree, snapshot())).isEmpty();
    }

    @ParameterizedTest(name = "failure at step {0}")
    @ValueSource(strings = {"config", "workspace", "files"})
    void aFailureAtAnyStepLeavesNothing(String failAt) throws IOException {
        Map<String, String> tree = snapshot();
        Scaffolder s = new Scaffolder(fleet, step -> {
            if (step.equals(failAt)) {
                throw new IllegalStateException("injected at " + step);
            }
        });
        assertThatThrownBy(() -> s.create(request("bob"), renderer())).hasMessageContaining("injected");
        assertThat(TreeSnapshot.diff(tree, snapshot())).isEmpty();
    }

    @Test
    void aFailingOverrideRendererLeavesNothing() {
        Map<String, String> tree = snapshot();
        assertThatThrownBy(() -> new Scaffolder(fleet).create(request("bob"), i -> {
                    throw new IllegalStateException("renderer broke");
                }))
                .hasMessage("renderer broke");
        assertThat(TreeSnapshot.diff(tree, snapshot())).isEmpty();
    }

    @Test
    void theStepsAreReachedInOrderOnSuccess() {
        List<String> seen = new java.util.ArrayList<>();
        Instance bob = new Scaffolder(fleet, seen::add).create(request("bob"), renderer());
        assertThat(seen).containsExactly("config", "workspace", "files", "moved");
        assertThat(bob.dir()).isEqualTo(fleet.instanceDir("bob"));
        assertThat(fleet.instanceDir("bob").resolve("workspace/SOUL.md")).isRegularFile();
        assertThat(names(fleet.instancesDir())).doesNotContain(".create-bob").noneMatch(n -> n.startsWith(".create-"));
    }

    @Test
    void validationFailuresHappenBeforeAnyFolderIsMade() {
        Map<String, String> tree = snapshot();
        List<String> seen = new java.util.ArrayList<>();
        assertThatThrownBy(() -> new Scaffolder(fleet, seen::add)
                        .create(
                                new Scaffolder.Request(
                                        "bob", null, null, "wizard", null, Map.of(), null, null, null, null, null,
                                        null),
                                renderer()))
                .hasMessageContaining("wizard");
        assertThat(seen).isEmpty();
        assertThat(TreeSnapshot.diff(tree, snapshot())).isEmpty();
    }

    private Function<Instance, String> renderer() {
        return i -> ComposeFiles.override(fleet, i);
    }

    private static Scaffolder.Request request(String name) {
        return new Scaffolder.Request(
                name, null, null, "expert", null, Map.of("OPENAI_API_KEY", "sk-x"), null, null, null, null, null, null);
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
