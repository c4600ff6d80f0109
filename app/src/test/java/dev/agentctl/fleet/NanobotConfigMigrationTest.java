package dev.agentctl.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class NanobotConfigMigrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static final String SINGLE_INSTANCE_CONFIG = """
            {
              'agents': {'defaults': {'workspace': '~/.nanobot/workspace', 'model': 'anthropic/claude-opus-4-5', 'maxTokens': 8192}},
              'providers': {
                'openai': {'apiKey': 'sk-openai-123', 'apiBase': null},
                'anthropic': {'apiKey': '${ANTHROPIC_API_KEY}'},
                'openrouter': {'api_key': 'sk-or-456'},
                'ollama': {'apiKey': '', 'apiBase': 'http://localhost:11434'},
                'custom': {'apiKey': 'sk-custom', 'extraHeaders': {'Authorization': 'Bearer abc'}}
              },
              'channels': {
                'telegram': {'enabled': true, 'token': '123:ABC', 'allowFrom': ['42']},
                'slack': {'enabled': true, 'botToken': 'xoxb-1', 'appToken': 'xapp-2'},
                'email': {'enabled': false, 'imapPassword': 'hunter2', 'smtp_password': 'hunter3'},
                'discord': {'enabled': false, 'token': ''}
              },
              'tools': {'web': {'search': {'apiKey': 'brave-789', 'maxResults': 5}}},
              'gateway': {'host': '127.0.0.1', 'port': 18790, 'heartbeat': {'enabled': true}}
            }
            """;

    @Test
    void importedConfigListensOnAllInterfacesOnItsFleetPortWithTheContainerWorkspace() throws Exception {
        NanobotConfigMigration.Result r = NanobotConfigMigration.migrate(json(SINGLE_INSTANCE_CONFIG), 18801);

        assertThat(r.config().at("/gateway/host").asText()).isEqualTo("0.0.0.0");
        assertThat(r.config().at("/gateway/port").asInt()).isEqualTo(18801);
        assertThat(r.config().at("/gateway/heartbeat/enabled").asBoolean()).isTrue();
        assertThat(r.config().at("/agents/defaults/workspace").asText()).isEqualTo("/home/nanobot/workspace");
        assertThat(r.config().at("/agents/defaults/model").asText()).isEqualTo("anthropic/claude-opus-4-5");
        assertThat(r.config().at("/agents/defaults/maxTokens").asInt()).isEqualTo(8192);
    }

    @Test
    void literalKeysAndTokensMoveToTheEnvFileAsPlaceholders() throws Exception {
        JsonNode original = json(SINGLE_INSTANCE_CONFIG);
        String before = original.toString();

        NanobotConfigMigration.Result r = NanobotConfigMigration.migrate(original, 18801);

        assertThat(r.env())
                .containsExactly(
                        java.util.Map.entry("OPENAI_API_KEY", "sk-openai-123"),
                        java.util.Map.entry("OPENROUTER_API_KEY", "sk-or-456"),
                        java.util.Map.entry("CUSTOM_API_KEY", "sk-custom"),
                        java.util.Map.entry("CUSTOM_EXTRA_HEADERS_AUTHORIZATION", "Bearer abc"),
                        java.util.Map.entry("TELEGRAM_TOKEN", "123:ABC"),
                        java.util.Map.entry("SLACK_BOT_TOKEN", "xoxb-1"),
                        java.util.Map.entry("SLACK_APP_TOKEN", "xapp-2"),
                        java.util.Map.entry("EMAIL_IMAP_PASSWORD", "hunter2"),
                        java.util.Map.entry("EMAIL_SMTP_PASSWORD", "hunter3"),
                        java.util.Map.entry("TOOLS_WEB_SEARCH_API_KEY", "brave-789"));
        assertThat(r.moved().keySet())
                .containsExactly(
                        "providers.openai.apiKey",
                        "providers.openrouter.api_key",
                        "providers.custom.apiKey",
                        "providers.custom.extraHeaders.Authorization",
                        "channels.telegram.token",
                        "channels.slack.botToken",
                        "channels.slack.appToken",
                        "channels.email.imapPassword",
                        "channels.email.smtp_password",
                        "tools.web.search.apiKey");
        assertThat(r.config().at("/providers/openai/apiKey").asText()).isEqualTo("${OPENAI_API_KEY}");
        assertThat(r.config().at("/providers/openrouter/api_key").asText()).isEqualTo("${OPENROUTER_API_KEY}");
        assertThat(r.config().at("/channels/telegram/token").asText()).isEqualTo("${TELEGRAM_TOKEN}");
        // no literal secret is left anywhere in the file
        String migrated = r.config().toString();
        for (String secret : r.env().values()) assertThat(migrated).doesNotContain(secret);
        // the caller's tree is untouched
        assertThat(original.toString()).isEqualTo(before);
    }

    @Test
    void placeholdersEmptyValuesAndNonSecretsStayAsTheyAre() throws Exception {
        NanobotConfigMigration.Result r = NanobotConfigMigration.migrate(json(SINGLE_INSTANCE_CONFIG), 18801);

        assertThat(r.config().at("/providers/anthropic/apiKey").asText()).isEqualTo("${ANTHROPIC_API_KEY}");
        assertThat(r.config().at("/providers/ollama/apiKey").asText()).isEmpty();
        assertThat(r.config().at("/providers/ollama/apiBase").asText()).isEqualTo("http://localhost:11434");
        assertThat(r.config().at("/channels/discord/token").asText()).isEmpty();
        assertThat(r.config().at("/channels/telegram/allowFrom/0").asText()).isEqualTo("42");
        assertThat(r.env()).doesNotContainKeys("ANTHROPIC_API_KEY", "OLLAMA_API_KEY", "DISCORD_TOKEN");
    }

    @Test
    void twoDifferentSecretsThatWouldShareAVariableNameGetDistinctNames() throws Exception {
        JsonNode config = json("{'providers': {'openai': {'apiKey': 'one', 'api_key': 'two'}}}");
        NanobotConfigMigration.Result r = NanobotConfigMigration.migrate(config, 18800);
        assertThat(r.env())
                .containsExactly(
                        java.util.Map.entry("OPENAI_API_KEY", "one"), java.util.Map.entry("OPENAI_API_KEY_2", "two"));
        assertThat(r.config().at("/providers/openai/api_key").asText()).isEqualTo("${OPENAI_API_KEY_2}");
    }

    @Test
    void minimalConfigGetsGatewayAndWorkspaceCreated() throws Exception {
        NanobotConfigMigration.Result r = NanobotConfigMigration.migrate(json("{}"), 18800);
        assertThat(r.config().toString())
                .isEqualTo(
                        "{\"gateway\":{\"host\":\"0.0.0.0\",\"port\":18800},\"agents\":{\"defaults\":{\"workspace\":\"/home/nanobot/workspace\"}}}");
        assertThat(r.env()).isEmpty();
        assertThat(r.moved()).isEmpty();
    }

    @Test
    void configThatIsNotAnObjectIsRefused() {
        assertThatThrownBy(() -> NanobotConfigMigration.migrate(json("[1,2]"), 18800))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NanobotConfigMigration.migrate(json("{}"), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
