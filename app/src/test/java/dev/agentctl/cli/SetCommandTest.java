package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** agentctl set: each option changes the right file, and docker-compose.yml follows. Bad values: see BadInputTest. */
class SetCommandTest extends FleetTestBase {
    int alicePort;
    int bobPort;

    @BeforeEach
    void twoInstances() {
        alicePort = freePort();
        ok("create", "alice", Integer.toString(alicePort), "gpt-4o-mini", "--soul", "expert");
        bobPort = freePort(alicePort);
        ok("create", "bob", Integer.toString(bobPort));
    }

    @Test
    void model() {
        Map<String, String> before = snapshot();
        ok("set", "alice", "--model", "gpt-4o");
        assertThat(config().path("agents").path("defaults").path("model").asText())
                .isEqualTo("gpt-4o");
        assertThat(config().path("gateway").path("port").asInt()).isEqualTo(alicePort);
        assertThat(read(instance("alice").resolve("INSTANCE_INFO.txt"))).contains("gpt-4o ");
        assertThat(show().path("model").asText()).isEqualTo("gpt-4o");
        assertOnlyAliceChanged(before);
    }

    @Test
    void port() {
        int port = freePort(alicePort, bobPort);
        ok("set", "alice", "--port", Integer.toString(port));
        assertThat(config().path("gateway").path("port").asInt()).isEqualTo(port);
        assertThat(read(root.resolve("docker-compose.yml")))
                .contains("127.0.0.1:" + port + ":" + port)
                .doesNotContain("127.0.0.1:" + alicePort + ":" + alicePort);
        assertThat(read(instance("alice").resolve("docker-compose.override.yml")))
                .contains(":" + port + ":" + port);
        assertThat(read(instance("alice").resolve("INSTANCE_INFO.txt"))).contains(Integer.toString(port));
    }

    @Test
    void settingTheSamePortAgainIsFine() {
        ok("set", "alice", "--port", Integer.toString(alicePort));
        assertThat(config().path("gateway").path("port").asInt()).isEqualTo(alicePort);
    }

    @Test
    void memoryAndCpus() {
        ok("set", "alice", "--memory", "2g", "--cpus", "0.5");
        String settings = read(instance("alice").resolve("instance.yaml"));
        assertThat(settings).contains("memory: 2g").contains("cpus: 0.5");
        assertThat(show().path("memory").asText()).isEqualTo("2g");
        assertThat(show().path("cpus").asDouble()).isEqualTo(0.5);
        @SuppressWarnings("unchecked")
        Map<String, Object> alice = (Map<String, Object>)
                ((Map<String, Object>) yaml(root.resolve("docker-compose.yml")).get("services")).get("alice");
        assertThat(alice.get("cpus")).isEqualTo(0.5);
        assertThat(alice.get("mem_limit")).isEqualTo((2L << 30) + "b");
        // model and port untouched
        assertThat(config().path("agents").path("defaults").path("model").asText())
                .isEqualTo("gpt-4o-mini");
    }

    @Test
    void memoryAloneKeepsEarlierCpus() {
        ok("set", "alice", "--cpus", "2");
        ok("set", "alice", "--memory", "512m");
        assertThat(show().path("cpus").asDouble()).isEqualTo(2.0);
        assertThat(show().path("memory").asText()).isEqualTo("512m");
    }

    @Test
    void soulKeepsTheOldOneAsBak() {
        String old = read(instance("alice").resolve("workspace/SOUL.md"));
        ok("set", "alice", "--soul", "creative");
        String now = read(instance("alice").resolve("workspace/SOUL.md"));
        assertThat(now).contains("alice").contains("creative partner").doesNotContain("{{");
        assertThat(read(instance("alice").resolve("workspace/SOUL.md.bak"))).isEqualTo(old);
        assertThat(show().path("soul").asText()).isEqualTo("creative");
    }

    @Test
    void envGoesToTheEnvFileOnlyAndStaysPrivate() throws Exception {
        String secret = "sk-set-secret-123";
        Cli.Result r = ok("set", "alice", "--env", "OPENAI_API_KEY=" + secret, "--env", "TELEGRAM_TOKEN=tg-456");
        assertThat(r.out() + r.err()).doesNotContain(secret);
        String env = read(instance("alice").resolve(".env"));
        assertThat(env).contains("OPENAI_API_KEY='" + secret + "'").contains("TELEGRAM_TOKEN='tg-456'");
        assertThat(mode(instance("alice").resolve(".env"))).isEqualTo("rw-------");
        assertThat(CreateCommandTest.filesContaining(root, secret))
                .containsExactly(instance("alice").resolve(".env"));
        JsonNode s = show();
        assertThat(s.path("env").path("OPENAI_API_KEY").asText()).isEqualTo("****");
        assertThat(s.path("apiKeySet").asBoolean()).isTrue();
    }

    @Test
    void composeIsReRenderedAfterEachChange() {
        String before = read(root.resolve("docker-compose.yml"));
        ok("set", "bob", "--memory", "768m");
        assertThat(read(root.resolve("docker-compose.yml")))
                .isNotEqualTo(before)
                .contains("mem_limit: " + (768L << 20) + "b");
    }

    private void assertOnlyAliceChanged(Map<String, String> before) {
        Map<String, String> after = snapshot();
        before.forEach((path, v) -> {
            if (!path.startsWith("instances/alice") && !path.equals("docker-compose.yml")) {
                assertThat(after.get(path)).as(path).isEqualTo(v);
            }
        });
    }

    private JsonNode config() {
        return json(instance("alice").resolve("config/config.json"));
    }

    private JsonNode show() {
        return json(ok("show", "alice", "--json").out());
    }
}
