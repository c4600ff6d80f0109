package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Volume storage on a real engine: an instance whose data lives in Docker volumes comes up healthy with no data under
 * the fleet root, files go in and out through the engine, backups of it restore into bind storage and back byte for
 * byte, convert moves an instance both ways, and rm takes the volumes with it.
 */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VolumeStorageIT {
    static EngineFleet fleet;
    static Path work;
    static final FileTime WHEN = FileTime.from(Instant.parse("2026-01-02T03:04:05Z"));

    @BeforeAll
    static void fleet() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itvol");
        fleet.create("v", "--storage", "volume");
        work = Files.createTempDirectory(fleet.root.getParent(), "vol-");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
        if (work != null) {
            FleetRun.deleteTree(work);
        }
    }

    static List<String> volumes() {
        return Sh.run("docker", "volume", "ls", "-q", "--filter", "label=dev.agentctl.fleet-id=" + fleet.id())
                .out()
                .lines()
                .filter(l -> !l.isBlank())
                .sorted()
                .toList();
    }

    /** Every file, folder and link under {@code dir}: path to type, bytes (or target) and mode. */
    static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = dir.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(rel, "dir " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                } else {
                    out.put(
                            rel,
                            "file " + java.util.HexFormat.of().formatHex(Files.readAllBytes(p)) + " "
                                    + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)) + " "
                                    + Files.getLastModifiedTime(p));
                }
            }
        }
        return out;
    }

    /** What cp takes out of {@code instance}'s {@code path}, as a tree. */
    static Map<String, String> copiedOut(String instance, String path) throws IOException {
        Path to = Files.createTempDirectory(work, "out-");
        fleet.expect(0, "cp", instance + ":" + path, to.resolve("x").toString());
        return tree(to.resolve("x"));
    }

    @Test
    @Order(1)
    void aVolumeInstanceComesUpHealthyWithNoDataOnTheHost() throws IOException {
        Path dir = fleet.root.resolve("instances/v");
        assertThat(dir.resolve("workspace")).doesNotExist();
        try (Stream<Path> config = Files.list(dir.resolve("config"))) {
            assertThat(config.map(p -> p.getFileName().toString())).containsExactly("config.json");
        }
        assertThat(volumes()).containsExactly(fleet.name + "-v-config", fleet.name + "-v-workspace");
        assertThat(FleetRun.json(fleet.expect(0, "show", "v", "--json").out())
                        .path("storage")
                        .asText())
                .isEqualTo("volume");

        Sh.Result config = Sh.run(
                "docker-compose",
                "--project-directory",
                fleet.root.toString(),
                "-f",
                fleet.root.resolve("docker-compose.yml").toString(),
                "config",
                "-q");
        assertThat(config.code()).as(config.toString()).isZero();
        fleet.expect(0, "up", "v");
        FleetRun.awaitHealthy(fleet, "v", Duration.ofSeconds(60));
        assertThat(fleet.inspect("v", "{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}}:{{.RW}} {{end}}"))
                .contains("volume:" + fleet.name + "-v-config:/home/nanobot/.nanobot:true")
                .contains("volume:" + fleet.name + "-v-workspace:/home/nanobot/workspace:true")
                .contains("bind::/home/nanobot/.nanobot/config.json:false");
        // the agent works in its volumes: the scaffolded soul is there, and its heartbeat lands in memory/
        assertThat(fleet.expect(0, "files", "v", "workspace").out()).contains("SOUL.md");
        FleetRun.await("a heartbeat in the workspace volume", Duration.ofSeconds(30), () -> {
            Cli.Result r = fleet.cli("files", "v", "workspace/memory", "--json");
            return r.code() == 0 && r.out().contains("history.jsonl") ? null : r.toString();
        });
        // and cannot change its own config.json (agentctl's, read-only in the container)
        Cli.Result write =
                Cli.at(fleet.root, "exec", "v", "--", "sh", "-c", "echo '{}' > /home/nanobot/.nanobot/config.json");
        assertThat(write.code()).as(write.toString()).isNotZero();
        assertThat(dir.resolve("workspace")).doesNotExist();
    }

    @Test
    @Order(2)
    void cpRoundTripsBytesModesAndTimesAndRefusesEscapes() throws IOException {
        Path src = Files.createDirectories(work.resolve("notes"));
        Files.writeString(src.resolve("a.txt"), "alpha\n");
        Files.createDirectories(src.resolve("deep"));
        Files.write(src.resolve("deep/b.bin"), new byte[] {0, 1, 2, (byte) 255});
        Files.setPosixFilePermissions(src.resolve("a.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(src.resolve("a.txt"), WHEN);
        Files.setLastModifiedTime(src.resolve("deep/b.bin"), WHEN);
        Files.createSymbolicLink(src.resolve("link"), Path.of("a.txt"));

        fleet.expect(0, "cp", src.toString(), "v:workspace/");
        JsonNode listed = FleetRun.json(
                fleet.expect(0, "files", "v", "workspace/notes", "--json").out());
        assertThat(listed.findValuesAsText("name")).containsExactlyInAnyOrder("a.txt", "deep", "link");
        Map<String, String> sent = tree(src);
        assertThat(copiedOut("v", "workspace/notes")).isEqualTo(sent);

        // a link the agent plants is never followed; paths outside the data folders are refused
        Cli.Result ln = Cli.at(fleet.root, "exec", "v", "--", "ln", "-s", "/etc", "/home/nanobot/workspace/evil");
        assertThat(ln.code()).as(ln.toString()).isZero();
        Path none = work.resolve("none");
        for (String[] args : new String[][] {
            {"cp", "v:workspace/../../../etc/passwd", none.toString()},
            {"cp", "v:/etc/passwd", none.toString()},
            {"cp", "v:workspace/evil/passwd", none.toString()},
            {"cp", src.resolve("a.txt").toString(), "v:workspace/evil/"},
        }) {
            Cli.Result r = fleet.cli(args);
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.toString()).isEqualTo(1);
        }
        assertThat(none).doesNotExist();
    }

    static Path latestArchive(String instance) {
        JsonNode list = FleetRun.json(
                fleet.expect(0, "backup", "list", instance, "--json").out());
        assertThat(list.size()).as(list.toString()).isPositive();
        return Path.of(list.get(list.size() - 1).path("path").asText());
    }

    @Test
    @Order(3)
    void aBackupOfARunningVolumeInstanceRestoresIntoBindAndBackByteForByte() throws IOException {
        Map<String, String> notes = copiedOut("v", "workspace/notes");
        Cli.Result b = fleet.expect(0, "backup", "v");
        assertThat(b.out()).containsPattern("pause held the container for \\d+ ms");
        assertThat(fleet.inspect("v", "{{.State.Status}} {{.State.Paused}}")).isEqualTo("running false");
        Path archive = latestArchive("v");
        fleet.expect(0, "backup", "verify", archive.toString());

        fleet.expect(0, "restore", archive.toString(), "--as", "vb", "--storage", "bind", "--keep-channels");
        Path vb = fleet.root.resolve("instances/vb");
        assertThat(tree(vb.resolve("workspace/notes"))).isEqualTo(notes);
        assertThat(vb.resolve("workspace/SOUL.md")).exists();
        assertThat(Files.readString(vb.resolve("instance.yaml"))).contains("storage: bind");

        fleet.expect(0, "backup", "vb");
        fleet.expect(
                0, "restore", latestArchive("vb").toString(), "--as", "vv", "--storage", "volume", "--keep-channels");
        assertThat(fleet.root.resolve("instances/vv/workspace")).doesNotExist();
        assertThat(volumes()).contains(fleet.name + "-vv-config", fleet.name + "-vv-workspace");
        assertThat(copiedOut("vv", "workspace/notes")).isEqualTo(notes);
        fleet.expect(0, "up", "vv");
        FleetRun.awaitHealthy(fleet, "vv", Duration.ofSeconds(60));
    }

    @Test
    @Order(4)
    void convertMovesAnInstanceBothWaysWithItsDataIntact() throws IOException {
        Path vb = fleet.root.resolve("instances/vb");
        Map<String, String> notes = tree(vb.resolve("workspace/notes"));
        Cli.Result toVolume = fleet.expect(0, "convert", "vb", "--storage", "volume");
        assertThat(toVolume.out()).contains("Converted vb to volume storage");
        assertThat(vb.resolve("workspace")).doesNotExist();
        assertThat(volumes()).contains(fleet.name + "-vb-config", fleet.name + "-vb-workspace");
        assertThat(copiedOut("vb", "workspace/notes")).isEqualTo(notes);

        fleet.expect(0, "up", "vb");
        FleetRun.awaitHealthy(fleet, "vb", Duration.ofSeconds(60));
        Cli.Result toBind = fleet.expect(0, "convert", "vb", "--storage", "bind");
        assertThat(toBind.out()).contains("it is running again");
        assertThat(tree(vb.resolve("workspace/notes"))).isEqualTo(notes);
        assertThat(volumes()).doesNotContain(fleet.name + "-vb-config", fleet.name + "-vb-workspace");
        FleetRun.awaitHealthy(fleet, "vb", Duration.ofSeconds(60));
        assertThat(fleet.inspect("vb", "{{range .Mounts}}{{.Type}} {{end}}")).doesNotContain("volume");

        assertThat(fleet.expect(0, "convert", "vb", "--storage", "bind").out()).contains("nothing changed");
        Cli.Result bad = fleet.cli("convert", "vb", "--storage", "tape");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("agentctl: --storage: storage must be bind or volume, not 'tape'");
    }

    @Test
    @Order(5)
    void rmTakesTheVolumesWithItAndTheTrashKeepsTheData() throws IOException {
        Map<String, String> notes = copiedOut("vv", "workspace/notes");
        fleet.expect(0, "rm", "vv", "--yes");
        assertThat(volumes()).doesNotContain(fleet.name + "-vv-config", fleet.name + "-vv-workspace");
        Path trashed;
        try (Stream<Path> t = Files.list(fleet.root.resolve("instances/.trash"))) {
            trashed = t.filter(p -> p.getFileName().toString().startsWith("vv-"))
                    .findFirst()
                    .orElseThrow();
        }
        assertThat(tree(trashed.resolve("workspace/notes"))).isEqualTo(notes);

        fleet.expect(0, "rm", "v", "--yes", "--purge");
        assertThat(volumes()).doesNotContain(fleet.name + "-v-config", fleet.name + "-v-workspace");
        assertThat(fleet.root.resolve("instances/v")).doesNotExist();
    }
}
