package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An instance folder that is a link is refused by every command with one message: none follows it, none skips it
 * silently (it would then never be backed up).
 */
class LinkedInstanceFolderTest extends FakeFleet {
    static final String REFUSAL = "is a link; agentctl refuses instance folders that are links";
    Path elsewhere;

    @BeforeEach
    void aliceIsALinkToAFolderElsewhere() throws IOException {
        engine.healthyAfter = java.time.Duration.ZERO;
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "bob", "--env", "OPENAI_API_KEY=sk-b");
        elsewhere = tmp.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        Files.move(root.resolve("instances/alice"), elsewhere.resolve("alice"));
        Files.createSymbolicLink(root.resolve("instances/alice"), elsewhere.resolve("alice"));
    }

    @ParameterizedTest(name = "agentctl {0} alice")
    @ValueSource(
            strings = {
                "show",
                "set --model gpt-4o",
                "rm --yes",
                "backup",
                "up",
                "start",
                "stop",
                "restart",
                "logs",
                "exec -- true",
                "config",
                "port"
            })
    void commandsNamingItRefuseWithOneLineAndChangeNothing(String command) {
        List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
        args.add(1, "alice");
        Map<String, String> before = snapshot();
        Cli.Result r = run(args.get(0), args.subList(1, args.size()).toArray(String[]::new));
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).as(r.toString()).hasSize(1);
        assertThat(r.err()).contains(root.resolve("instances/alice") + " " + REFUSAL);
        assertUnchanged(before, "agentctl " + command);
        assertThat(engine.byName(container("alice"))).isEmpty();
    }

    @Test
    void fleetWideCommandsNameItAndStillServeTheOthers() {
        Cli.Result list = run("list");
        assertThat(list.code()).as(list.toString()).isEqualTo(1);
        assertThat(list.out()).contains("bob");
        assertThat(list.err()).contains(REFUSAL);

        Cli.Result up = run("up");
        assertThat(up.code()).as(up.toString()).isNotZero();
        assertThat(up.out() + up.err()).contains(REFUSAL);
        assertThat(engine.byName(container("bob"))).isPresent();
        assertThat(engine.byName(container("alice"))).isEmpty();

        Cli.Result backup = run("backup");
        assertThat(backup.code()).as(backup.toString()).isEqualTo(1);
        assertThat(backup.err()).contains(REFUSAL);
        assertThat(root.resolve("backups/bob")).isDirectory();
        assertThat(root.resolve("backups/alice")).doesNotExist();

        Cli.Result compose = run("compose");
        assertThat(compose.code()).as(compose.toString()).isEqualTo(1);
        assertThat(compose.err()).contains("left alice out: ").contains(REFUSAL);
        assertThat(read(root.resolve("docker-compose.yml"))).contains("bob").doesNotContain("alice");

        Cli.Result stop = run("stop");
        assertThat(stop.code()).as(stop.toString()).isEqualTo(1);
        assertThat(stop.out()).contains("bob: ");
        assertThat(stop.err()).contains("left alice out: ");

        Cli.Result status = run("status");
        assertThat(status.code()).as(status.toString()).isNotZero();
        assertThat(status.out()).containsPattern("alice +- +- +unreadable");
        assertThat(status.err()).contains("agentctl: alice: " + root.resolve("instances/alice") + " " + REFUSAL);
    }
}
