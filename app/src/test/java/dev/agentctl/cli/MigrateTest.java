package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** migrate: the provider the old config really uses, every variable it made named, the token registry, warnings. */
class MigrateTest extends FleetTestBase {
    Path nb;

    @BeforeEach
    void anOldNanobotFolder() throws IOException {
        nb = Files.createDirectories(tmp.resolve("old/.nanobot"));
        Files.createDirectories(nb.resolve("workspace"));
        Files.writeString(nb.resolve("config.json"), """
                {
                  "agents": {"defaults": {"model": "claude-sonnet-4-5", "provider": "auto"}},
                  "providers": {"anthropic": {"apiKey": "sk-ant-old"}},
                  "channels": {"telegram": {"enabled": true, "token": "123:old-bot"}},
                  "gateway": {"port": 18790}
                }
                """);
    }

    @Test
    void theProviderInUseIsFoundAndEachVariableIsNamed() {
        Cli.Result r = ok("migrate", "--from", nb.toString(), "old");
        assertThat(r.out())
                .contains("providers.anthropic.apiKey to ANTHROPIC_API_KEY")
                .contains("channels.telegram.token to TELEGRAM_TOKEN")
                .contains("provider: anthropic (the one the old config uses)");
        assertThat(r.err())
                .contains(nb + " still holds those keys and tokens in plain text")
                .contains("stop the old nanobot before starting this one");
        assertThat(json(ok("show", "old", "--json").out()).path("provider").asText())
                .isEqualTo("anthropic");
        assertThat(read(instance("old").resolve(".env")))
                .contains("ANTHROPIC_API_KEY='sk-ant-old'")
                .contains("TELEGRAM_TOKEN='123:old-bot'");
    }

    @Test
    void aTokenAnotherInstanceUsesIsRefusedAndNothingIsCreated() {
        ok("create", "alice", "--env", "OPENAI_API_KEY=sk-a");
        ok("channel", "enable", "alice", "telegram", "--env", "TELEGRAM_TOKEN=123:old-bot");
        Map<String, String> before = snapshot();
        Cli.Result r = run("migrate", "--from", nb.toString(), "old");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .contains("old")
                .contains("alice")
                .contains("telegram")
                .doesNotContain("123:old-bot");
        assertThat(instance("old")).doesNotExist();
        assertUnchanged(before, "a refused migrate");
    }
}
