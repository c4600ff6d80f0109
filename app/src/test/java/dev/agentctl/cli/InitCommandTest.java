package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import dev.agentctl.support.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class InitCommandTest extends FleetTestBase {

    @Test
    void writesTheFleetSkeleton() throws IOException {
        assertThat(root.resolve("fleet.yaml")).isRegularFile();
        java.nio.file.Path fresh =
                tmp.resolve("fresh"); // the base class renamed root's fleet; look at init's own output
        assertThat(Cli.raw("init", fresh.toString()).code()).isZero();
        assertThat(read(fresh.resolve("fleet.yaml")))
                .contains("name: fresh")
                .contains("from: 18790")
                .contains("to: 18999")
                .contains("bind: 127.0.0.1")
                .contains("maxSize: 10m")
                .contains("maxFile: 3")
                .contains("unless-stopped")
                .contains("#"); // commented defaults
        assertThat(root.resolve("templates/config-template.json")).isRegularFile();
        for (String f : new String[] {"AGENTS.md", "USER.md", "HEARTBEAT.md", "memory/MEMORY.md"}) {
            assertThat(root.resolve("templates/workspace").resolve(f)).isRegularFile();
        }
        try (Stream<Path> souls = Files.list(root.resolve("souls"))) {
            assertThat(souls.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("assistant.md", "expert.md", "creative.md", "custom.md");
        }
        for (String soul : new String[] {"assistant", "expert", "creative", "custom"}) {
            // real personas, not placeholder lines
            assertThat(read(root.resolve("souls/" + soul + ".md")).lines().count())
                    .as(soul)
                    .isGreaterThan(20);
        }
        assertThat(root.resolve("instances/.gitkeep")).isRegularFile();
        try (Stream<Path> inst = Files.list(root.resolve("instances"))) {
            assertThat(inst.map(p -> p.getFileName().toString())).containsExactly(".gitkeep");
        }
        String gitignore = read(root.resolve(".gitignore"));
        assertThat(gitignore).contains("/instances/*").contains("!/instances/.gitkeep");
    }

    @Test
    void theFreshFleetLoads() {
        Cli.Result r = ok("list");
        assertThat(r.out()).contains("No instances yet");
    }

    @Test
    void refusesToOverwriteFleetYamlWithoutForce() {
        String custom = read(root.resolve("fleet.yaml")).replace("name: " + fleetName, "name: myfleet");
        write(root.resolve("fleet.yaml"), custom);
        Map<String, String> before = snapshot();

        Cli.Result r = Cli.raw("init", root.toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("fleet.yaml").contains("--force");
        assertThat(read(root.resolve("fleet.yaml"))).isEqualTo(custom);
        assertUnchanged(before, "init without --force");
    }

    @Test
    void initInAFolderOfTheUsersKeepsTheirGitignoreAndAddsItsLines() throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        write(repo.resolve(".gitignore"), "target/\n/.env\n");
        write(repo.resolve("README.md"), "mine\n");

        Cli.Result r = Cli.raw("init", repo.toString());

        assertThat(r.code()).as(r.toString()).isZero();
        String gitignore = read(repo.resolve(".gitignore"));
        assertThat(gitignore)
                .startsWith("target/\n/.env\n")
                .contains("/instances/*")
                .contains("/backups/");
        assertThat(read(repo.resolve("README.md"))).isEqualTo("mine\n");
        // once is enough: a second init (with --force) adds nothing twice
        assertThat(Cli.raw("init", repo.toString(), "--force").code()).isZero();
        assertThat(read(repo.resolve(".gitignore"))).isEqualTo(gitignore);
    }

    @Test
    void refusesToWriteOverTemplatesOfTheUsersWithoutForce() throws IOException {
        Path repo = tmp.resolve("repo2");
        Files.createDirectories(repo.resolve("templates"));
        write(repo.resolve("templates/config-template.json"), "{\"mine\": true}\n");
        write(repo.resolve(".gitignore"), "target/\n");
        Map<String, String> before = TreeSnapshot.of(repo);

        Cli.Result r = Cli.raw("init", repo.toString());

        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .contains(repo.resolve("templates/config-template.json").toString())
                .contains("--force");
        assertThat(TreeSnapshot.diff(before, TreeSnapshot.of(repo)))
                .as("init refused")
                .isEmpty();
    }

    @Test
    void forceRewritesFleetYamlButNeverTouchesInstances() throws IOException {
        ok("create", "alice", Integer.toString(freePort()));
        // make instances/ distinctive: a stray file, and no .gitkeep (init --force must not add it back)
        write(root.resolve("instances/alice/workspace/memory/MEMORY.md"), "alice remembers this\n");
        Files.delete(root.resolve("instances/.gitkeep"));
        write(root.resolve("instances/notes.txt"), "mine\n");
        write(
                root.resolve("fleet.yaml"),
                read(root.resolve("fleet.yaml")).replace("name: " + fleetName, "name: myfleet"));
        Map<String, String> instancesBefore = TreeSnapshot.of(root.resolve("instances"));

        Cli.Result r = Cli.raw("init", root.toString(), "--force");

        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(read(root.resolve("fleet.yaml"))).contains("name: fleet").doesNotContain("myfleet");
        assertThat(TreeSnapshot.diff(instancesBefore, TreeSnapshot.of(root.resolve("instances"))))
                .as("changes in instances/")
                .isEmpty();
        assertThat(r.out()).contains("existing instances/ left as it was");
    }

    @Test
    void initWithRootOptionAndIntoANewNestedFolder() {
        Path other = tmp.resolve("a/b/c");
        Cli.Result r = Cli.raw("init", "--root", other.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(other.resolve("fleet.yaml")).isRegularFile();
        assertThat(other.resolve("instances/.gitkeep")).isRegularFile();
    }
}
