package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The "done when": create alice 18790 gpt-4o-mini --soul expert, then create bob. */
class CreateCommandTest extends FleetTestBase {
    int alicePort;
    int bobPort;
    Cli.Result aliceOut;
    Cli.Result bobOut;

    @BeforeEach
    void createAliceAndBob() {
        // 18790 unless something on this host already listens there (then agentctl would rightly refuse it)
        alicePort = freePort();
        aliceOut = ok("create", "alice", Integer.toString(alicePort), "gpt-4o-mini", "--soul", "expert");
        bobOut = ok("create", "bob");
        bobPort = freePort(alicePort);
    }

    @Test
    void bobGetsTheNextFreePortOfTheRange() {
        assertThat(config("bob").path("gateway").path("port").asInt())
                .isEqualTo(bobPort)
                .isNotEqualTo(alicePort);
        assertThat(config("alice").path("gateway").path("port").asInt()).isEqualTo(alicePort);
        assertThat(aliceOut.out()).contains("alice").contains(Integer.toString(alicePort));
        assertThat(bobOut.out()).contains("bob").contains(Integer.toString(bobPort));
    }

    @Test
    void configJsonIsInNanobotsSchema() {
        JsonNode a = config("alice");
        assertThat(a.path("agents").path("defaults").path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(a.path("agents").path("defaults").path("workspace").asText()).isEqualTo("/home/nanobot/workspace");
        assertThat(a.path("providers").path("openai").path("apiKey").asText()).isEqualTo("${OPENAI_API_KEY}");
        assertThat(a.path("gateway").path("host").asText()).isEqualTo("0.0.0.0");
        assertThat(a.path("gateway").path("port").isInt()).isTrue();
        assertThat(fieldNames(a)).as("camelCase keys only").allMatch(k -> k.matches("[a-z][a-zA-Z0-9]*"));

        JsonNode b = config("bob");
        assertThat(b.path("agents").path("defaults").path("model").asText()).isEqualTo("gpt-4o-mini"); // fleet default
        assertThat(b.path("providers").path("openai").path("apiKey").asText()).isEqualTo("${OPENAI_API_KEY}");
        assertThat(b.path("gateway").path("host").asText()).isEqualTo("0.0.0.0");
    }

    @Test
    void bothInstancesAreComplete() {
        for (String n : List.of("alice", "bob")) {
            Path d = instance(n);
            assertThat(d.resolve("config/config.json")).isRegularFile();
            assertThat(d.resolve("config/sessions")).isDirectory();
            for (String f : List.of("SOUL.md", "AGENTS.md", "USER.md", "HEARTBEAT.md", "memory/MEMORY.md")) {
                Path p = d.resolve("workspace").resolve(f);
                assertThat(p).as(n + " " + f).isRegularFile();
                assertThat(read(p)).as(n + " " + f).isNotBlank().doesNotContain("{{");
            }
            assertThat(d.resolve("workspace/skills")).isDirectory();
            assertThat(d.resolve(".env")).isRegularFile();
            assertThat(d.resolve("docker-compose.override.yml")).isRegularFile();
            assertThat(d.resolve("INSTANCE_INFO.txt")).isRegularFile();
        }
    }

    @Test
    void soulIsTheChosenPersonaWithTheNameFilledIn() {
        String soul = read(instance("alice").resolve("workspace/SOUL.md"));
        assertThat(soul).doesNotContain("{{").contains("alice").contains("technical expert");
        String created = json(Cli.at(root, "show", "alice", "--json").out())
                .path("created")
                .asText();
        String expected = read(root.resolve("souls/expert.md"))
                .replace("{{name}}", "alice")
                .replace("{{created}}", created);
        assertThat(soul).isEqualTo(expected);

        // bob has the fleet's default soul, assistant
        String bobSoul = read(instance("bob").resolve("workspace/SOUL.md"));
        assertThat(bobSoul).contains("bob").contains("personal assistant").doesNotContain("{{");
        assertThat(read(instance("alice").resolve("workspace/AGENTS.md"))).contains("alice");
    }

    @Test
    void secretsFileAndFolderArePrivate() {
        assertThat(mode(instance("alice"))).isEqualTo("rwx------");
        assertThat(mode(instance("bob"))).isEqualTo("rwx------");
        assertThat(mode(instance("alice").resolve(".env"))).isEqualTo("rw-------");
        assertThat(read(instance("alice").resolve(".env"))).doesNotContainPattern("(?m)^OPENAI_API_KEY=");
    }

    @Test
    void instanceInfoTellsNamePortModelSoulAndHowToStart() {
        String info = read(instance("alice").resolve("INSTANCE_INFO.txt"));
        assertThat(info)
                .contains("alice")
                .contains(Integer.toString(alicePort))
                .contains("gpt-4o-mini")
                .contains("expert")
                .contains("agentctl up alice")
                .contains(instance("alice").resolve(".env").toString());
    }

    @Test
    void overrideAndFleetComposeFileListTheServices() {
        Map<String, Object> compose = yaml(root.resolve("docker-compose.yml"));
        @SuppressWarnings("unchecked")
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services).containsOnlyKeys("alice", "bob");
        assertThat(read(root.resolve("docker-compose.yml")))
                .contains("127.0.0.1:" + alicePort + ":" + alicePort)
                .contains("127.0.0.1:" + bobPort + ":" + bobPort);

        @SuppressWarnings("unchecked")
        Map<String, Object> aliceOverride = (Map<String, Object>)
                yaml(instance("alice").resolve("docker-compose.override.yml")).get("services");
        assertThat(aliceOverride).containsOnlyKeys("alice");
        assertThat(aliceOverride.get("alice")).isEqualTo(services.get("alice"));
    }

    @Test
    void aSecretGivenWithEnvIsWrittenOnlyToTheInstancesEnvFile() throws IOException {
        String secret = "sk-test-secret-value";
        Cli.Result r = ok("create", "carol", "--env", "OPENAI_API_KEY=" + secret);
        Cli.Result more = ok("compose");
        Cli.Result list = ok("list", "--json");
        Cli.Result show = ok("show", "carol", "--json");
        Cli.Result showText = ok("show", "carol");
        for (Cli.Result each : List.of(r, more, list, show, showText)) {
            assertThat(each.out() + each.err()).doesNotContain(secret);
        }
        assertThat(read(instance("carol").resolve(".env"))).contains("OPENAI_API_KEY='" + secret + "'");
        assertThat(filesContaining(root, secret))
                .containsExactly(instance("carol").resolve(".env"));
        assertThat(json(show.out()).path("apiKeySet").asBoolean()).isTrue();
        assertThat(r.out()).doesNotContain("put OPENAI_API_KEY in");
    }

    @Test
    void createdInstancesAreListed() {
        Cli.Result r = ok("list");
        assertThat(r.out())
                .contains("alice")
                .contains("bob")
                .contains(Integer.toString(alicePort))
                .contains("expert");
    }

    @Test
    void optionsAreStoredAndRendered() {
        int port = freePort(alicePort, bobPort);
        ok(
                "create",
                "dave",
                Integer.toString(port),
                "claude-3-5-sonnet",
                "--provider",
                "anthropic",
                "--cpus",
                "0.5",
                "--memory",
                "512m",
                "--bind",
                "0.0.0.0",
                "--soul",
                "creative");
        JsonNode c = config("dave");
        assertThat(c.path("providers").path("anthropic").path("apiKey").asText())
                .isEqualTo("${ANTHROPIC_API_KEY}");
        assertThat(c.path("agents").path("defaults").path("model").asText()).isEqualTo("claude-3-5-sonnet");
        assertThat(read(instance("dave").resolve(".env"))).doesNotContainPattern("(?m)^ANTHROPIC_API_KEY=");
        JsonNode show = json(ok("show", "dave", "--json").out());
        assertThat(show.path("cpus").asDouble()).isEqualTo(0.5);
        assertThat(show.path("memory").asText()).isEqualTo("512m");
        assertThat(show.path("bind").asText()).isEqualTo("0.0.0.0");
        assertThat(show.path("soul").asText()).isEqualTo("creative");
        assertThat(read(root.resolve("docker-compose.yml")))
                .contains("0.0.0.0:" + port + ":" + port)
                .contains("mem_limit: " + (512L << 20) + "b")
                .contains("cpus: 0.5");
    }

    @Test
    void aSoulFromAFile() throws IOException {
        Path persona = tmp.resolve("my-persona.md");
        Files.writeString(persona, "# {{name}}\n\nYou are {{name}}, a pirate.\n", StandardCharsets.UTF_8);
        ok("create", "erin", "--soul", persona.toString());
        assertThat(read(instance("erin").resolve("workspace/SOUL.md")))
                .isEqualTo("# erin\n\nYou are erin, a pirate.\n");
    }

    private JsonNode config(String name) {
        return json(instance(name).resolve("config/config.json"));
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.add(e.getKey());
                out.addAll(fieldNames(e.getValue()));
            }
        } else if (n.isArray()) {
            n.forEach(x -> out.addAll(fieldNames(x)));
        }
        return out;
    }

    static List<Path> filesContaining(Path dir, String needle) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        List<Path> hits = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                if (new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1)
                        .contains(new String(n, StandardCharsets.ISO_8859_1))) {
                    hits.add(p);
                }
            }
        }
        return hits;
    }
}
