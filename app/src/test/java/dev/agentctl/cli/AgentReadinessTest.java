package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Green means the agent works: keys and provider settings checked before a start, channels without editing JSON,
 * one token per instance across the fleet, and an agent whose start-up log says it cannot work reported degraded.
 * (The same against a real engine and the stand-in agent: AgentFidelityIT.)
 */
class AgentReadinessTest extends FakeFleet {
    static final List<String> READY =
            List.of("✓ Channels enabled: websocket, mattermost", "✓ Health endpoint: http://0.0.0.0:1/health");

    @BeforeEach
    void healthyAtOnce() {
        engine.healthyAfter = Duration.ZERO;
        engine.startLog = READY;
    }

    JsonNode config(String name) {
        return json(instance(name).resolve("config/config.json"));
    }

    @Test
    void createSaysWhatIsMissingAndUpRefusesAnEmptyKeyNamingTheVariableAndTheCommand() {
        Cli.Result created = ok("create", "bob");
        assertThat(created.out()).contains("OPENAI_API_KEY").contains("agentctl set bob --env OPENAI_API_KEY");
        Map<String, String> before = snapshot();
        Cli.Result up = run("up", "bob");
        assertThat(up.code()).as(up.toString()).isEqualTo(2);
        assertThat(up.err()).contains("OPENAI_API_KEY").contains("agentctl set bob --env OPENAI_API_KEY");
        assertThat(engine.byName(container("bob"))).as("nothing started").isEmpty();
        assertUnchanged(before, "a refused up");
    }

    @Test
    void aLocalProviderNeedsNoKeyButItsApiBase() {
        ok("create", "olla", "--provider", "ollama");
        Cli.Result up = run("up", "olla");
        assertThat(up.code()).isEqualTo(2);
        assertThat(up.err()).contains("ollama").contains("agentctl set olla --api-base URL");
        Cli.Result lo = run("set", "olla", "--api-base", "http://localhost:11434/v1");
        assertThat(lo.code()).isEqualTo(2);
        assertThat(lo.err()).contains("localhost");
        ok("set", "olla", "--api-base", "http://192.0.2.10:11434/v1");
        assertThat(config("olla")
                        .path("providers")
                        .path("ollama")
                        .path("apiBase")
                        .asText())
                .isEqualTo("http://192.0.2.10:11434/v1");
        ok("channel", "enable", "olla", "mattermost");
        assertThat(ok("up", "olla").out()).contains("all healthy");
    }

    @Test
    void anUnknownProviderIsRefusedByCreateAndSet() {
        Cli.Result c = run("create", "x", "--provider", "openia");
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("'openia'");
        ok("create", "y", "--env", "OPENAI_API_KEY=sk-y");
        Cli.Result s = run("set", "y", "--provider", "openia");
        assertThat(s.code()).isEqualTo(2);
        ok("set", "y", "--provider", "anthropic", "--env", "ANTHROPIC_API_KEY=sk-ant");
        assertThat(config("y").path("agents").path("defaults").path("provider").asText())
                .isEqualTo("anthropic");
        assertThat(config("y")
                        .path("providers")
                        .path("anthropic")
                        .path("apiKey")
                        .asText())
                .isEqualTo("${ANTHROPIC_API_KEY}");
    }

    @Test
    void channelEnableWritesAPlaceholderAndTheSecretGoesToTheEnvOnly() {
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-a");
        Cli.Result r = ok("channel", "enable", "alice", "telegram", "--env", "TELEGRAM_TOKEN=123:abc");
        assertThat(r.out()).contains("Enabled telegram for alice").contains("agentctl up alice");
        assertThat(r.err()).contains("runtime.channels");
        JsonNode tg = config("alice").path("channels").path("telegram");
        assertThat(tg.path("enabled").asBoolean()).isTrue();
        assertThat(tg.path("token").asText()).isEqualTo("${TELEGRAM_TOKEN}");
        assertThat(read(instance("alice").resolve("config/config.json"))).doesNotContain("123:abc");
        assertThat(read(instance("alice").resolve(".env"))).contains("TELEGRAM_TOKEN='123:abc'");

        Cli.Result list = ok("channel", "list");
        assertThat(list.out()).contains("telegram").contains("set").contains("MISSING (runtime.channels)");
        ok("channel", "disable", "alice", "telegram");
        assertThat(config("alice")
                        .path("channels")
                        .path("telegram")
                        .path("enabled")
                        .asBoolean())
                .isFalse();
        assertThat(config("alice")
                        .path("channels")
                        .path("telegram")
                        .path("token")
                        .asText())
                .as("its settings stay")
                .isEqualTo("${TELEGRAM_TOKEN}");
    }

    @Test
    void aChannelWithAnEmptySecretIsRefusedByUp() {
        ok("create", "s", "--env", "OPENAI_API_KEY=sk-s");
        Cli.Result half = run("channel", "enable", "s", "slack", "--env", "SLACK_BOT_TOKEN=xoxb-1");
        assertThat(half.code()).isEqualTo(2);
        assertThat(half.err()).contains("SLACK_APP_TOKEN");
        ok("channel", "enable", "s", "slack", "--env", "SLACK_BOT_TOKEN=xoxb-1", "--env", "SLACK_APP_TOKEN=xapp-1");
        write(instance("s").resolve(".env"), read(instance("s").resolve(".env")).replace("'xapp-1'", "''"));
        Cli.Result up = run("up", "s");
        assertThat(up.code()).isEqualTo(2);
        assertThat(up.err()).contains("slack").contains("appToken").contains("SLACK_APP_TOKEN");
    }

    @Test
    void oneTokenIsRefusedWhereverItEntersNamingBothInstances() {
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-a");
        ok("channel", "enable", "alice", "telegram", "--env", "TELEGRAM_TOKEN=123:same");
        ok("create", "bob", "--env", "OPENAI_API_KEY=sk-b");
        Map<String, String> before = snapshot();

        Cli.Result enable = run("channel", "enable", "bob", "telegram", "--env", "TELEGRAM_TOKEN=123:same");
        assertThat(enable.code()).isEqualTo(2);
        assertThat(enable.err()).contains("bob").contains("alice").doesNotContain("123:same");
        assertUnchanged(before, "a refused channel enable");

        ok("channel", "enable", "bob", "telegram", "--env", "TELEGRAM_TOKEN=456:own");
        Map<String, String> after = snapshot();
        Cli.Result set = run("set", "bob", "--env", "TELEGRAM_TOKEN=123:same");
        assertThat(set.code()).isEqualTo(2);
        assertThat(set.err()).contains("alice");
        assertUnchanged(after, "a refused set");

        Cli.Result create = run("create", "carol", "--env", "TELEGRAM_TOKEN=123:same");
        assertThat(create.code())
                .as("create with no telegram channel takes the variable: nothing uses it")
                .isZero();
    }

    @Test
    void aTokenPlantedByHandInTwoEnvFilesIsRefusedByUp() {
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "bob", "--env", "OPENAI_API_KEY=sk-b");
        ok("channel", "enable", "alice", "discord", "--env", "DISCORD_TOKEN=d1");
        ok("channel", "enable", "bob", "discord", "--env", "DISCORD_TOKEN=d2");
        write(
                instance("bob").resolve(".env"),
                read(instance("bob").resolve(".env")).replace("d2", "d1"));
        Cli.Result up = run("up");
        assertThat(up.code()).isEqualTo(2);
        assertThat(up.err()).contains("alice").contains("bob").contains("discord");
        assertThat(engine.byName(container("alice"))).as("nothing started").isEmpty();
    }

    @Test
    void anAgentThatAnswersHealthButSaysItCannotWorkIsDegradedInUpAndStatus() {
        ok("create", "deaf", "--env", "OPENAI_API_KEY=sk-d");
        engine.startLog = List.of(
                "2026-12-02 10:00:01.000 | ERROR    | nanobot.channels.manager - Could not prepare dependencies for"
                        + " enabled channel 'telegram'",
                "Warning: No channels enabled",
                "✓ Health endpoint: http://0.0.0.0:1/health");
        Cli.Result up = run("up", "deaf");
        assertThat(up.code()).as(up.toString()).isEqualTo(4);
        assertThat(up.err()).contains("deaf is up but degraded").contains("channel telegram has no libraries");
        assertThat(up.out()).contains("1 degraded");

        Cli.Result status = run("status");
        assertThat(status.code()).isEqualTo(4);
        assertThat(status.out()).contains("degraded");
        assertThat(status.err()).contains("deaf: degraded: channel telegram has no libraries");
        JsonNode row = json(run("status", "--json").out()).get(0);
        assertThat(row.path("health").asText()).isEqualTo("degraded");
        assertThat(row.path("degraded").get(0).asText()).startsWith("channel telegram");

        engine.startLog = READY; // the library is there now (runtime.channels, runtime build)
        ok("restart", "deaf");
        assertThat(run("status").code()).isZero();
    }

    @Test
    void aConfigChangeIsPendingInStatusAndUpRestartsToApplyIt() {
        ok("create", "m", "--env", "OPENAI_API_KEY=sk-m");
        ok("channel", "enable", "m", "mattermost");
        ok("up", "m");
        String id = engine.byName(container("m")).orElseThrow().id;
        ok("set", "m", "--model", "gpt-4.1");
        JsonNode row = json(run("status", "--json").out()).get(0);
        assertThat(row.path("pending").toString()).contains("config.json").contains("agentctl up m");
        Cli.Result up = ok("up", "m");
        assertThat(up.out()).contains("restart");
        assertThat(engine.byName(container("m")).orElseThrow().id)
                .as("a restart, not a new container")
                .isEqualTo(id);
        assertThat(engine.changesTo(container("m"))).contains("restart " + container("m"));
        JsonNode after = json(run("status", "--json").out()).get(0);
        assertThat(after.path("pending")).isEmpty();
        assertThat(after.path("model").asText()).isEqualTo("gpt-4.1");
    }

    @Test
    void aDegradedAgentForItsOwnSettingsIsNotRolledBackByARuntimeUpgrade() {
        ok("create", "quiet", "--env", "OPENAI_API_KEY=sk-q"); // no chat channel: degraded
        engine.startLog = List.of("Warning: No channels enabled", "✓ Health endpoint: http://0.0.0.0:1/health");
        assertThat(run("up", "quiet").code()).isEqualTo(4);
        runtime("B");
        Cli.Result up = run("up", "quiet");
        assertThat(up.code()).as(up.toString()).isEqualTo(4);
        assertThat(up.out()).doesNotContain("rolling back");
        assertThat(engine.byName(container("quiet")).orElseThrow().labels.get("dev.agentctl.runtime"))
                .as("it moved onto the new build: its trouble is its own")
                .isEqualTo("venv-B");
    }

    @Test
    void aChannelEnabledInAnyOfTheSpellingsNanobotAcceptsIsTurnedOffInACopy() {
        ok("create", "orig", "--env", "OPENAI_API_KEY=sk-o");
        ok("channel", "enable", "orig", "discord", "--env", "DISCORD_TOKEN=d-orig");
        JsonNode before = config("orig");
        ((com.fasterxml.jackson.databind.node.ObjectNode)
                        before.path("channels").path("discord"))
                .put("enabled", "yes");
        write(instance("orig").resolve("config/config.json"), before.toString());
        ok("create", "other", "--env", "OPENAI_API_KEY=sk-x");
        Cli.Result dup = run("channel", "enable", "other", "discord", "--env", "DISCORD_TOKEN=d-orig");
        assertThat(dup.code())
                .as("\"yes\" is on for nanobot, so the token is taken")
                .isEqualTo(2);
    }
}
