package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RmCommandTest extends FleetTestBase {

    @BeforeEach
    void twoInstances() {
        int a = freePort();
        ok("create", "alice", Integer.toString(a));
        ok("create", "bob", Integer.toString(freePort(a)));
    }

    @Test
    void withoutYesAndWithoutATerminalItRefusesAndChangesNothing() {
        // the tests run without a console (System.console() is null), like a script or CI would
        Map<String, String> before = snapshot();
        Cli.Result r = run("rm", "alice");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("alice").contains("--yes");
        assertUnchanged(before, "rm alice");

        Cli.Result purge = run("rm", "alice", "--purge");
        assertThat(purge.code()).isEqualTo(2);
        assertUnchanged(before, "rm alice --purge");
    }

    @Test
    void withYesItMovesTheFolderToTrashUnderAUtcTimestamp() throws IOException {
        String env = read(instance("alice").resolve(".env"));
        LocalDateTime start = LocalDateTime.now(ZoneOffset.UTC).withNano(0);
        Cli.Result r = ok("rm", "alice", "--yes");

        assertThat(instance("alice")).doesNotExist();
        List<Path> trashed = list(root.resolve("instances/.trash"));
        assertThat(trashed).hasSize(1);
        String folder = trashed.get(0).getFileName().toString();
        Matcher m = Pattern.compile("alice-(\\d{8}T\\d{6}Z)").matcher(folder);
        assertThat(m.matches()).as(folder).isTrue();
        LocalDateTime when = LocalDateTime.parse(m.group(1), DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        assertThat(Duration.between(start, when).abs()).isLessThan(Duration.ofMinutes(2));
        // everything is still there, secrets included
        assertThat(read(trashed.get(0).resolve(".env"))).isEqualTo(env);
        assertThat(trashed.get(0).resolve("config/config.json")).isRegularFile();
        assertThat(r.out()).contains(trashed.get(0).toString());

        assertThat(services()).containsOnlyKeys("bob");
        Cli.Result list = ok("list");
        assertThat(list.out()).contains("bob").doesNotContain("alice");
        // the name is free again
        ok("create", "alice", "--soul", "creative");
    }

    @Test
    void purgeDeletesTheFolder() throws IOException {
        ok("rm", "bob", "--yes", "--purge");
        assertThat(instance("bob")).doesNotExist();
        Path trash = root.resolve("instances/.trash");
        if (Files.exists(trash)) {
            assertThat(list(trash)).isEmpty();
        }
        // nothing of bob is left but the final backup rm takes unless --no-backup
        assertThat(list(root.resolve("backups/bob"))).hasSize(2); // the archive and its manifest sidecar
        try (Stream<Path> all = Files.walk(root)) {
            assertThat(all.filter(p -> !p.startsWith(root.resolve("backups"))).map(Path::toString))
                    .noneMatch(p -> p.contains("bob"));
        }
        assertThat(services()).containsOnlyKeys("alice");
    }

    @Test
    void removingTheLastInstanceLeavesAValidEmptyCompose() {
        ok("rm", "alice", "-y", "--purge");
        ok("rm", "bob", "-y", "--purge");
        assertThat(yaml(root.resolve("docker-compose.yml"))).containsKey("services");
        assertThat(ok("list").out()).contains("No instances yet");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> services() {
        return (Map<String, Object>) yaml(root.resolve("docker-compose.yml")).get("services");
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
