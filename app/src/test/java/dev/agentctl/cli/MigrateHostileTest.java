package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * migrate reads a folder the old agent wrote: it copies links as links, never reads through one, copies no host
 * folder the old config.json merely names, and takes no value from the operator's environment on its say-so.
 */
class MigrateHostileTest extends FleetTestBase {
    Path nb;
    Path secret;

    @BeforeEach
    void anOldNanobotFolder() throws IOException {
        nb = Files.createDirectories(tmp.resolve("old/.nanobot"));
        secret = Files.writeString(tmp.resolve("host-secret"), "HOST-SECRET\n");
        Files.createDirectories(nb.resolve("workspace"));
        Files.writeString(nb.resolve("workspace/SOUL.md"), "# old soul\n");
        Files.createDirectories(nb.resolve("sessions"));
        Files.createSymbolicLink(nb.resolve("sessions/stolen.jsonl"), secret);
        Files.createSymbolicLink(nb.resolve("workspace/MEMORY.md"), secret);
    }

    void config(String workspace) throws IOException {
        Files.writeString(nb.resolve("config.json"), """
                {
                  "agents": {"defaults": {"model": "gpt-4o-mini", "workspace": "%s"}},
                  "providers": {"openai": {"apiKey": "${OPENAI_API_KEY}"}},
                  "channels": {"slack": {"enabled": false, "botToken": "${OPERATORS_AWS_SECRET}"}},
                  "gateway": {"port": 18790}
                }
                """.formatted(workspace));
    }

    @Test
    void linksAreCopiedAsLinksAndNothingIsReadThroughThem() throws IOException {
        config(nb.resolve("workspace").toString());
        ok("migrate", "--from", nb.toString(), "old");
        Path dir = instance("old");
        assertThat(Files.isSymbolicLink(dir.resolve("config/sessions/stolen.jsonl")))
                .isTrue();
        assertThat(Files.readSymbolicLink(dir.resolve("config/sessions/stolen.jsonl")))
                .isEqualTo(secret);
        assertThat(Files.isSymbolicLink(dir.resolve("workspace/MEMORY.md"))).isTrue();
        assertThat(dir.resolve("workspace/SOUL.md")).hasContent("# old soul");
        assertThat(dir.resolve("config/workspace"))
                .as("the workspace is not copied twice")
                .doesNotExist();
    }

    @Test
    void aWorkspaceTheOldConfigNamesOutsideTheFolderIsNotCopiedUnlessAskedFor() throws IOException {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("private.txt"), "HOST-SECRET\n");
        config(elsewhere.toString());

        Cli.Result r = ok("migrate", "--from", nb.toString(), "old");

        assertThat(r.err())
                .contains("config.json names the workspace " + elsewhere + ", outside " + nb)
                .contains("--workspace " + elsewhere);
        assertThat(instance("old").resolve("workspace/private.txt")).doesNotExist();
        // named by the user, it is copied
        ok("migrate", "--from", nb.toString(), "--workspace", elsewhere.toString(), "old2");
        assertThat(instance("old2").resolve("workspace/private.txt")).hasContent("HOST-SECRET");
    }

    @Test
    void placeholdersTheOldConfigUsesTakeNoValueFromTheOperatorsEnvironment() throws IOException {
        config("~/.nanobot/workspace");
        Cli.Result r = Cli.withEnv(
                Map.of("OPERATORS_AWS_SECRET", "AKIA-HOST-ONLY", "OPENAI_API_KEY", "sk-host"),
                "migrate",
                "--from",
                nb.toString(),
                "old",
                "--root",
                root.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(read(instance("old").resolve(".env")))
                .doesNotContain("AKIA-HOST-ONLY")
                .doesNotContain("sk-host");
        assertThat(r.out())
                .contains("config.json refers to OPENAI_API_KEY, OPERATORS_AWS_SECRET, which need values")
                .contains("agentctl set old --env OPENAI_API_KEY --env OPERATORS_AWS_SECRET");
    }

    @Test
    void aConfigJsonThatIsALinkOrAFifoBesideItAreNeverFollowedNorWaitedOn() throws Exception {
        config(nb.resolve("workspace").toString());
        Path pipe = nb.resolve("sessions/pipe");
        Process mk = new ProcessBuilder("mkfifo", pipe.toString()).start();
        assertThat(mk.waitFor()).isZero();
        Cli.Result r = ok("migrate", "--from", nb.toString(), "old");
        assertThat(r.err()).contains("skipped sessions/pipe");
        assertThat(Files.exists(instance("old").resolve("config/sessions/pipe"), LinkOption.NOFOLLOW_LINKS))
                .isFalse();

        Files.move(nb.resolve("config.json"), tmp.resolve("real-config.json"));
        Files.createSymbolicLink(nb.resolve("config.json"), tmp.resolve("real-config.json"));
        Map<String, String> before = snapshot();
        Cli.Result link = run("migrate", "--from", nb.toString(), "other");
        assertThat(link.code()).isEqualTo(2);
        assertThat(link.err()).contains(nb.resolve("config.json").toString());
        assertUnchanged(before, "migrate of a linked config.json");
    }
}
