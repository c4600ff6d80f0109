package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import dev.agentctl.support.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Volume storage above the engine: what create makes (labelled volumes, filled through the archive API, and no data on
 * the host), what compose renders, and the one-line refusals that change nothing. Its data round trips on a real
 * engine in VolumeStorageIT.
 */
class StorageModesTest extends FakeFleet {
    @Test
    void createMakesLabelledVolumesFillsThemAndKeepsOnlyConfigJsonOnTheHost() throws Exception {
        Cli.Result r = ok("create", "vol", "--storage", "volume", "--env", "OPENAI_API_KEY=sk-a");
        String config = fleetName + "-vol-config";
        String workspace = fleetName + "-vol-workspace";
        assertThat(r.out()).contains("volumes " + config + ", " + workspace);
        assertThat(engine.volumes).containsOnlyKeys(config, workspace);
        assertThat(engine.volumes.get(workspace))
                .containsEntry(ContainerSpec.LABEL_INSTANCE, "vol")
                .containsEntry(ContainerSpec.LABEL_FLEET_ID, fleet().id());
        assertThat(engine.calls).anyMatch(c -> c.startsWith("copyin oneoff-"));
        // the throwaway container that filled them is gone
        assertThat(engine.calls).anyMatch(c -> c.startsWith("remove oneoff-"));
        assertThat(engine.containers(java.util.Map.of())).isEmpty();

        Path dir = root.resolve("instances/vol");
        assertThat(dir.resolve("workspace")).doesNotExist();
        try (Stream<Path> c = Files.list(dir.resolve("config"))) {
            assertThat(c.map(p -> p.getFileName().toString())).containsExactly("config.json");
        }
        assertThat(Files.readString(dir.resolve("instance.yaml"))).contains("storage: volume");
        assertThat(ok("show", "vol").out()).containsPattern("storage: +volume");
        assertThat(Files.readString(dir.resolve("INSTANCE_INFO.txt"))).contains("workspace:  volume " + workspace);

        String compose = Files.readString(root.resolve("docker-compose.yml"));
        assertThat(compose)
                .contains("type: volume\n      source: " + workspace + "\n      target: /home/nanobot/workspace")
                .contains("source: " + dir.resolve("config/config.json") + "\n      target: "
                        + "/home/nanobot/.nanobot/config.json\n      read_only: true")
                .contains("volumes:\n  " + config + ":\n    name: " + config + "\n    external: true");

        engine.healthyAfter = java.time.Duration.ZERO;
        engine.startLog = List.of("✓ Channels enabled: websocket", "✓ Health endpoint: http://x/health");
        ok("up", "vol");
        assertThat(engine.byName(container("vol"))).isPresent();
    }

    @Test
    void badStorageAndVolumesThatAreNotOursAreRefusedWithOneLineAndChangeNothing() throws Exception {
        ok("create", "b", "--env", "OPENAI_API_KEY=sk-a");
        engine.volumes.put(fleetName + "-taken-workspace", java.util.Map.of());
        var before = TreeSnapshot.of(root);
        for (List<String> args : List.of(
                List.of("create", "x", "--storage", "tape"),
                List.of("create", "y", "--storage", "VOLUME"),
                List.of("create", "taken", "--storage", "volume"),
                List.of("convert", "b", "--storage", "nfs"),
                List.of("restore", "/nonexistent.tar.zst", "--storage", "disk"))) {
            Cli.Result r = run(args.get(0), args.subList(1, args.size()).toArray(String[]::new));
            assertThat(r.code()).as(args + "\n" + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
        }
        assertThat(run("create", "x", "--storage", "tape").err())
                .contains("--storage: storage must be bind or volume, not 'tape'");
        assertThat(run("create", "taken", "--storage", "volume").err())
                .contains("volume " + fleetName + "-taken-workspace exists already");
        assertThat(TreeSnapshot.diff(before, TreeSnapshot.of(root))).isEmpty();
        assertThat(engine.volumes).containsOnlyKeys(fleetName + "-taken-workspace");

        String yaml = Files.readString(root.resolve("fleet.yaml"));
        Files.writeString(root.resolve("fleet.yaml"), yaml.replace("  storage: bind", "  storage: tape"));
        Cli.Result r = run("list");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("fleet.yaml:").contains("'tape'");
        Files.writeString(root.resolve("fleet.yaml"), yaml);
        Files.writeString(
                root.resolve("instances/b/instance.yaml"),
                Files.readString(root.resolve("instances/b/instance.yaml")) + "storage: wide\n");
        r = run("up", "b");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("instance.yaml:").contains("'wide'");
    }

    @Test
    void sessionsAndSoulChangesOfAVolumeInstanceNameTheWayThatWorks() {
        ok("create", "vol", "--storage", "volume", "--env", "OPENAI_API_KEY=sk-a");
        Cli.Result s = run("sessions", "vol");
        assertThat(s.code()).isEqualTo(2);
        assertThat(s.err()).contains("agentctl files vol config/sessions");
        Cli.Result soul = run("set", "vol", "--soul", "expert");
        assertThat(soul.code()).isEqualTo(2);
        assertThat(soul.err()).contains("agentctl cp FILE vol:workspace/SOUL.md");
    }
}
