package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.EngineFleet;
import dev.agentctl.support.EngineFleet.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Green means the agent works, on a real engine with the stand-in nanobot (which fails where the real one fails):
 * the reference's failure rows refused or reported, a channel without its libraries degraded and with them (built
 * from a wheelhouse into the runtime) ready, a model change applied by up, one token per instance everywhere a
 * token enters, a graceful shutdown of the 45 s class, and a rollback across the session layout change refused
 * unless the sessions are carried back.
 */
@Tag("engine")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentFidelityIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static EngineFleet fleet;

    @BeforeAll
    static void aFleetOnNanobot030() throws IOException {
        fleet = FleetRun.fleetWithRuntime("itfid");
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    static Path config(String name) {
        return fleet.root.resolve("instances/" + name + "/config/config.json");
    }

    static void editConfig(String name, java.util.function.Consumer<ObjectNode> change) throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(config(name).toFile());
        change.accept(cfg);
        Files.writeString(config(name), JSON.writeValueAsString(cfg));
    }

    static boolean containerExists(String name) {
        return Sh.run("docker", "inspect", fleet.container(name)).code() == 0;
    }

    /** Adds lines under runtime: in fleet.yaml. */
    static void runtimeSetting(String... lines) throws IOException {
        Path yaml = fleet.root.resolve("fleet.yaml");
        String add = String.join("", Stream.of(lines).map(l -> "  " + l + "\n").toList());
        Files.writeString(yaml, Files.readString(yaml).replace("runtime:\n", "runtime:\n" + add));
    }

    @Test
    @Order(1)
    void anEmptyKeyOrAnUnknownProviderIsRefusedBeforeAnythingStarts() throws IOException {
        fleet.expect(0, "create", "nokey");
        fleet.expect(0, "channel", "enable", "nokey", "mattermost");
        Cli.Result up = fleet.cli("up", "nokey");
        assertThat(up.code()).as(up.toString()).isEqualTo(2);
        assertThat(up.err()).contains("OPENAI_API_KEY").contains("agentctl set nokey --env OPENAI_API_KEY");
        assertThat(containerExists("nokey")).as("nothing was created").isFalse();

        fleet.create("typo");
        editConfig("typo", c -> c.with("agents").with("defaults").put("provider", "openia"));
        Cli.Result typo = fleet.cli("up", "typo");
        assertThat(typo.code()).as(typo.toString()).isEqualTo(2);
        assertThat(typo.err()).contains("'openia'");
        assertThat(containerExists("typo")).isFalse();
    }

    @Test
    @Order(2)
    void theTimezoneWorksOnABaseWithoutATzDatabaseAndAnUnknownOneIsReportedWithTheAgentsWords() throws IOException {
        Sh.Result ls = Sh.run(
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                "--entrypoint",
                "/bin/ls",
                EngineFleet.BASE,
                "/usr/share/zoneinfo");
        assertThat(ls.code()).as("the slim base has no tz database of its own").isNotZero();
        fleet.create("tz");
        assertThat(JSON.readTree(config("tz").toFile())
                        .at("/agents/defaults/timezone")
                        .asText())
                .isEqualTo("UTC");
        fleet.expect(0, "up", "tz");

        editConfig("tz", c -> c.with("agents").with("defaults").put("timezone", "Mars/Olympus_Mons"));
        Cli.Result up = fleet.cli("up", "tz", "--wait-timeout", "20s");
        assertThat(up.code()).as(up.toString()).isEqualTo(4);
        assertThat(up.err()).contains("Error: unknown timezone 'Mars/Olympus_Mons'");
        assertThat(fleet.cli("status", "tz").code()).isEqualTo(4);
        fleet.expect(0, "rm", "tz", "--yes", "--no-backup");
    }

    @Test
    @Order(3)
    void aChannelWithoutItsLibrariesIsDegradedAndWithThemInTheRuntimeItIsReady() throws IOException {
        fleet.create("tg", "--env", "STANDIN_PIP_TIMEOUT=5");
        Cli.Result enable = fleet.expect(0, "channel", "enable", "tg", "telegram", "--env", "TELEGRAM_TOKEN=111:tg");
        assertThat(enable.err()).contains("runtime.channels");
        Cli.Result up = fleet.cli("up", "tg");
        assertThat(up.code()).as(up.toString()).isEqualTo(4);
        assertThat(up.err()).contains("tg is up but degraded: channel telegram has no libraries in the runtime");
        assertThat(fleet.expect(4, "status", "tg").err()).contains("tg: degraded: channel telegram");
        assertThat(FleetRun.status(fleet, "tg").get("tg").path("health").asText())
                .isEqualTo("degraded");

        // the libraries, as wheels in a wheelhouse (this host has no PyPI): built from the test's stand-ins
        Path wheels = fleet.root.resolve("wheels");
        Files.createDirectories(wheels);
        Path src = EngineFleet.repo().resolve("app/src/test/channel-wheels");
        Sh.Result built = Sh.run(
                "docker",
                "run",
                "--rm",
                "--network",
                "none",
                "-v",
                src + ":/src:ro",
                "-v",
                wheels + ":/out",
                EngineFleet.BUILDER,
                "sh",
                "-c",
                "python3 -m venv /tmp/v && /tmp/v/bin/pip install -q --no-index /usr/share/python-wheels/wheel-*.whl"
                        + " && PYTHON=/tmp/v/bin/python sh /src/build.sh /out");
        assertThat(built.code()).as(built.toString()).isZero();
        runtimeSetting("channels: [telegram]", "wheelhouse: wheels");
        Cli.Result build = fleet.expect(0, "runtime", "build");
        assertThat(build.out()).contains("with the libraries of telegram");
        fleet.expect(0, "up", "tg");
        assertThat(fleet.expect(0, "status", "tg").out()).contains("healthy").doesNotContain("degraded");
        assertThat(fleet.expect(0, "logs", "tg").out())
                .contains("Channel 'telegram' started")
                .doesNotContain("Could not prepare");
        assertThat(fleet.expect(0, "channel", "list", "tg").out()).contains("in runtime");
    }

    @Test
    @Order(4)
    void aModelChangeIsPendingUntilUpRestartsTheAgentOnIt() {
        fleet.create("m");
        fleet.expect(0, "up", "m");
        String id = FleetRun.id(fleet, "m");
        fleet.expect(0, "set", "m", "--model", "gpt-4.1-mini");
        JsonNode row = FleetRun.status(fleet, "m").get("m");
        assertThat(row.path("pending").toString()).contains("config.json").contains("agentctl up m");
        Cli.Result up = fleet.expect(0, "up", "m");
        assertThat(up.out()).contains("restart");
        assertThat(FleetRun.id(fleet, "m"))
                .as("a restart is enough: the same container")
                .isEqualTo(id);
        assertThat(fleet.expect(0, "logs", "m", "--since", "1m").out())
                .contains("Agent model 'gpt-4.1-mini' via provider 'openai'");
        JsonNode after = FleetRun.status(fleet, "m").get("m");
        assertThat(after.path("pending")).isEmpty();
        assertThat(after.path("model").asText()).isEqualTo("gpt-4.1-mini");
    }

    @Test
    @Order(5)
    void oneTokenIsRefusedEverywhereATokenCanEnter() throws IOException {
        fleet.create("one");
        // email needs no libraries in the runtime: its two passwords are its secrets
        fleet.expect(
                0,
                "channel",
                "enable",
                "one",
                "email",
                "--env",
                "EMAIL_IMAP_PASSWORD=shared-token",
                "--env",
                "EMAIL_SMTP_PASSWORD=smtp-one");
        fleet.expect(0, "up", "one");
        fleet.create("two");

        assertThat(fleet.expect(2, "channel", "enable", "two", "discord", "--env", "DISCORD_TOKEN=shared-token")
                        .err())
                .contains("one")
                .doesNotContain("shared-token");
        fleet.expect(0, "channel", "enable", "two", "discord", "--env", "DISCORD_TOKEN=own-token");
        assertThat(fleet.expect(2, "set", "two", "--env", "DISCORD_TOKEN=shared-token")
                        .err())
                .contains("one");

        fleet.expect(0, "backup", "one");
        Path archive;
        try (Stream<Path> s = Files.list(fleet.root.resolve("backups/one"))) {
            archive =
                    s.filter(p -> p.toString().endsWith(".tar.zst")).findFirst().orElseThrow();
        }
        assertThat(fleet.expect(2, "restore", archive.toString(), "--as", "three", "--keep-channels")
                        .err())
                .contains("one");
        Cli.Result copy = fleet.expect(0, "restore", archive.toString(), "--as", "three");
        assertThat(copy.err())
                .contains("channels mattermost, email are off for three")
                .as("an archive of agentctl's own instance has nothing to warn about its modes")
                .doesNotContain("the archive had");

        Path old = fleet.root.getParent().resolve("old-nanobot");
        Files.createDirectories(old);
        Files.writeString(old.resolve("config.json"), """
                {"agents": {"defaults": {"model": "gpt-4o-mini"}},
                 "providers": {"openai": {"apiKey": "sk-old"}},
                 "channels": {"email": {"enabled": true, "imapPassword": "shared-token", "smtpPassword": "x"}}}
                """);
        assertThat(fleet.expect(2, "migrate", "--from", old.toString(), "four").err())
                .contains("one");

        // planted by hand in a .env: up refuses both, before starting anything
        Path env = fleet.root.resolve("instances/two/.env");
        Files.writeString(env, Files.readString(env).replace("own-token", "shared-token"));
        Cli.Result up = fleet.cli("up", "two");
        assertThat(up.code()).as(up.toString()).isEqualTo(2);
        assertThat(up.err()).contains("two").contains("one").contains("email");
        assertThat(containerExists("two")).isFalse();
    }

    @Test
    @Order(6)
    void stopGivesTheAgentTimeForAGracefulShutdownOfTheFortyFiveSecondClass() throws IOException {
        fleet.create("slow", "--env", "STANDIN_SHUTDOWN_SECONDS=15");
        fleet.expect(0, "up", "slow");
        long t0 = System.nanoTime();
        fleet.expect(0, "stop", "slow");
        long took = (System.nanoTime() - t0) / 1_000_000_000L;
        assertThat(fleet.inspect("slow", "{{.State.ExitCode}}"))
                .as("it exited by itself (0), not killed (137), after " + took + " s")
                .isEqualTo("0");
        String session = Files.readString(fleet.root.resolve("instances/slow/workspace/sessions/standin.jsonl"));
        assertThat(session.strip().lines().reduce((a, b) -> b).orElse("")).contains("\"shutdown\"");
    }

    @Test
    @Order(7)
    void aRollbackAcrossTheSessionLayoutChangeIsRefusedUnlessTheSessionsAreCarriedBack() throws IOException {
        fleet.create("hist");
        fleet.expect(0, "up", "hist");
        Path wsSessions = fleet.root.resolve("instances/hist/workspace/sessions");
        assertThat(wsSessions.resolve("standin.jsonl")).exists();

        // the next release (nanobot main's layout), which needs tzdata: a wheel of it in the wheelhouse
        Path next = fleet.root.getParent().resolve("standin-0.3.5");
        FleetRun.copyTree(EngineFleet.standinSource(), next);
        Path init = next.resolve("nanobot/__init__.py");
        Files.writeString(init, Files.readString(init).replace("\"0.3.0+standin\"", "\"0.3.5+standin\""));
        Sh.Result tz = Sh.run(
                "python3",
                "-m",
                "pip",
                "download",
                "--no-deps",
                "-q",
                "-d",
                fleet.root.resolve("wheels").toString(),
                "tzdata");
        assertThat(tz.code()).as(tz.toString()).isZero();
        FleetRun.useRuntimeSource(fleet, next);
        fleet.expect(0, "runtime", "build");
        fleet.expect(0, "up", "hist");
        assertThat(wsSessions.resolve("standin.jsonl"))
                .as("main moved the sessions out")
                .doesNotExist();

        Cli.Result refused = fleet.cli("runtime", "rollback");
        assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
        assertThat(refused.err()).contains("0.3.0").contains("no history").contains("--move-sessions");

        Cli.Result back = fleet.expect(0, "runtime", "rollback", "--move-sessions");
        assertThat(back.out()).contains("carried hist's sessions back").contains("hist");
        assertThat(wsSessions.resolve("standin.jsonl")).exists();
        fleet.expect(0, "up", "hist");
        assertThat(Files.readString(wsSessions.resolve("standin.jsonl")).lines().count())
                .as("the history from both runtimes is there")
                .isGreaterThan(2);
    }
}
