package dev.agentctl.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.agentctl.support.Composes;
import dev.agentctl.support.FleetTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The rendered docker-compose.yml (and each instance's override) against the Compose Specification's JSON schema
 * (src/test/resources/compose-spec.json, a copy of ../shared/reference/compose-spec/compose-spec.json, Apache 2.0,
 * see compose-spec.LICENSE) and against Debian's docker-compose 1.29 ({@code docker-compose config -q}).
 */
class ComposeValidityTest extends FleetTestBase {
    static JsonSchema schema;

    int alicePort;
    int bobPort;

    @BeforeAll
    static void loadSchema() {
        assertThat(ComposeValidityTest.class.getResource("/compose-spec.json"))
                .as("compose-spec.json on the test class path")
                .isNotNull();
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(SchemaLocation.of("classpath:compose-spec.json"));
    }

    @BeforeEach
    void aFleetWithVariedInstances() {
        alicePort = freePort();
        ok("create", "alice", Integer.toString(alicePort), "gpt-4o-mini", "--soul", "expert");
        bobPort = freePort(alicePort);
        ok(
                "create",
                "bob",
                Integer.toString(bobPort),
                "--memory",
                "512m",
                "--cpus",
                "0.5",
                "--bind",
                "0.0.0.0",
                "--env",
                "OPENAI_API_KEY=sk-compose-test");
        ok(
                "create",
                "carol",
                Integer.toString(freePort(alicePort, bobPort)),
                "--bind",
                "::1",
                "--provider",
                "anthropic");
    }

    @Test
    void theFleetComposeFileMatchesTheSchema() {
        assertValid(root.resolve("docker-compose.yml"));
    }

    @Test
    void everyOverrideMatchesTheSchema() {
        for (String n : List.of("alice", "bob", "carol")) {
            assertValid(instance(n).resolve("docker-compose.override.yml"));
        }
    }

    @Test
    void theSchemaCheckIsNotVacuous() {
        // the same file with one misspelt service key must fail, or the checks above prove nothing
        String text = read(root.resolve("docker-compose.yml")).replace("container_name:", "containr_name:");
        assertThat(errors(text)).isNotEmpty();
        String badPorts = read(root.resolve("docker-compose.yml")).replace("read_only: true", "read_only: {yes: 1}");
        assertThat(errors(badPorts)).isNotEmpty();
    }

    @Test
    void theFleetComposeFileWithAHardeningRelaxedInstanceMatchesTheSchema() {
        // security relaxed for one instance (with its reason): no tmpfs, cap_drop or security_opt on its service
        Path settings = instance("alice").resolve("instance.yaml");
        write(
                settings,
                read(settings) + "security:\n  readOnlyRootfs: false\n  dropCapabilities: false\n"
                        + "  noNewPrivileges: false\n  reason: \"testing\"\n");
        ok("compose");
        assertValid(root.resolve("docker-compose.yml"));
        dockerComposeConfig(root, "docker-compose.yml");
    }

    @Test
    void dockerComposeAcceptsTheFleetFile() {
        dockerComposeConfig(root, "docker-compose.yml");
    }

    @Test
    void dockerComposeAcceptsEachOverrideOnItsOwn() {
        for (String n : List.of("alice", "bob", "carol")) {
            dockerComposeConfig(instance(n), "docker-compose.override.yml");
        }
    }

    @Test
    void dockerComposeAcceptsAnEmptyFleet() {
        for (String n : List.of("alice", "bob", "carol")) {
            ok("rm", n, "--yes", "--purge");
        }
        assertValid(root.resolve("docker-compose.yml"));
        dockerComposeConfig(root, "docker-compose.yml");
    }

    @Test
    @SuppressWarnings("unchecked")
    void servicesCarryWhatTheIssueAsksFor() {
        Map<String, Object> compose = yaml(root.resolve("docker-compose.yml"));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services).containsOnlyKeys("alice", "bob", "carol");
        assertThat(((Map<String, Object>) compose.get("networks")).toString()).contains(fleetName + "-net");
        assertThat(read(root.resolve(".env")))
                .contains("COMPOSE_PROJECT_NAME=" + fleetName)
                .doesNotContain("sk-compose-test");

        Map<String, Object> alice = (Map<String, Object>) services.get("alice");
        assertThat(alice.get("container_name")).isEqualTo(fleetName + "-alice");
        assertThat((List<String>) alice.get("ports")).containsExactly("127.0.0.1:" + alicePort + ":" + alicePort);
        assertThat((List<String>) alice.get("env_file"))
                .containsExactly(instance("alice").resolve(".env").toString());
        // isolated by default: a network of its own
        assertThat((List<String>) alice.get("networks")).containsExactly("alice-net");
        assertThat(((Map<String, Object>) compose.get("networks")).get("alice-net"))
                .isEqualTo(Map.of("name", fleetName + "-net-alice"));
        assertThat(alice.get("restart")).isEqualTo("unless-stopped");
        assertThat(alice.get("healthcheck").toString()).contains("agent-health");
        Map<String, Object> logging = (Map<String, Object>) alice.get("logging");
        assertThat(logging.get("driver")).isEqualTo("json-file");
        assertThat(logging.get("options").toString()).contains("max-size=10m").contains("max-file=3");
        List<Map<String, Object>> volumes = (List<Map<String, Object>>) alice.get("volumes");
        assertThat(volumes).anySatisfy(v -> {
            assertThat(v.get("target")).isEqualTo("/opt/venv");
            assertThat(v.get("read_only")).isEqualTo(true);
            assertThat(v.get("source").toString())
                    .startsWith(root.toAbsolutePath().resolve("runtime").toString());
        });
        assertThat(volumes)
                .anySatisfy(v -> assertThat(v.get("source"))
                        .isEqualTo(instance("alice").resolve("config").toString()));
        assertThat(volumes)
                .anySatisfy(v -> assertThat(v.get("source"))
                        .isEqualTo(instance("alice").resolve("workspace").toString()));
        assertThat(alice).doesNotContainKey("deploy");
        assertThat(alice.get("cpus")).isEqualTo(1.0);
        assertThat(alice.get("mem_limit")).isEqualTo((1L << 30) + "b");

        Map<String, Object> bob = (Map<String, Object>) services.get("bob");
        assertThat((List<String>) bob.get("ports")).containsExactly("0.0.0.0:" + bobPort + ":" + bobPort);
        Map<String, Object> carol = (Map<String, Object>) services.get("carol");
        assertThat(((List<String>) carol.get("ports")).get(0)).startsWith("[::1]:");
        // secrets are referenced through env_file, never inlined
        assertThat(read(root.resolve("docker-compose.yml"))).doesNotContain("sk-compose-test");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aVolumeInstanceRendersItsVolumesAsExternalOnes() {
        Path settings = instance("alice").resolve("instance.yaml");
        write(settings, read(settings) + "storage: volume\n");
        ok("compose");
        assertValid(root.resolve("docker-compose.yml"));
        dockerComposeConfig(root, "docker-compose.yml");
        dockerComposeConfig(instance("alice"), "docker-compose.override.yml");
        Map<String, Object> compose = yaml(root.resolve("docker-compose.yml"));
        Map<String, Object> alice = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("alice");
        List<Map<String, Object>> mounts = (List<Map<String, Object>>) alice.get("volumes");
        String config = fleetName + "-alice-config";
        String workspace = fleetName + "-alice-workspace";
        assertThat(mounts)
                .anySatisfy(m -> assertThat(m).containsEntry("type", "volume").containsEntry("source", config))
                .anySatisfy(m -> assertThat(m).containsEntry("type", "volume").containsEntry("source", workspace));
        // compose must never make an empty one: agentctl makes and fills them
        assertThat((Map<String, Object>) compose.get("volumes"))
                .containsOnlyKeys(config, workspace)
                .containsEntry(config, Map.of("name", config, "external", true));
    }

    @Test
    @SuppressWarnings("unchecked")
    void eachNetworkModeRendersAsComposeMakesIt() {
        ok("set", "alice", "--network", "fleet");
        ok("set", "bob", "--network", "internal");
        ok("set", "carol", "--network", "none");
        assertValid(root.resolve("docker-compose.yml"));
        dockerComposeConfig(root, "docker-compose.yml");
        for (String n : List.of("alice", "bob", "carol")) {
            dockerComposeConfig(instance(n), "docker-compose.override.yml");
        }
        Map<String, Object> compose = yaml(root.resolve("docker-compose.yml"));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        Map<String, Object> alice = (Map<String, Object>) services.get("alice");
        Map<String, Object> bob = (Map<String, Object>) services.get("bob");
        Map<String, Object> carol = (Map<String, Object>) services.get("carol");
        assertThat((List<String>) alice.get("networks")).containsExactly(ComposeRenderer.NETWORK_KEY);
        assertThat((List<String>) alice.get("ports")).hasSize(1);
        assertThat((List<String>) bob.get("networks")).containsExactly("bob-internal");
        assertThat(bob).doesNotContainKey("ports");
        assertThat(carol.get("network_mode")).isEqualTo("none");
        assertThat(carol).doesNotContainKeys("ports", "networks");
        assertThat((Map<String, Object>) compose.get("networks"))
                .isEqualTo(Map.of(
                        ComposeRenderer.NETWORK_KEY,
                        Map.of("name", fleetName + "-net"),
                        "bob-internal",
                        Map.of("name", fleetName + "-net-bob-internal", "internal", true)));

        ok("set", "bob", "--network", "default");
        assertThat(read(instance("bob").resolve("instance.yaml"))).doesNotContain("network");
        assertThat((List<String>) ((Map<String, Object>) ((Map<String, Object>)
                                        yaml(root.resolve("docker-compose.yml")).get("services"))
                                .get("bob"))
                        .get("networks"))
                .containsExactly("bob-net");
    }

    @Test
    void renderingIsStable() {
        String first = read(root.resolve("docker-compose.yml"));
        ok("compose");
        assertThat(read(root.resolve("docker-compose.yml"))).isEqualTo(first);
    }

    private void assertValid(Path file) {
        assertThat(errors(read(file))).as("compose schema errors in %s", file).isEmpty();
    }

    private static List<String> errors(String yamlText) {
        Object doc = new Yaml().load(yamlText);
        JsonNode node = JSON.valueToTree(doc);
        Set<ValidationMessage> msgs = schema.validate(node);
        List<String> out = new ArrayList<>();
        msgs.forEach(m -> out.add(m.getMessage()));
        return out;
    }

    /** Runs {@code docker-compose -f FILE config -q} in {@code dir}; fails (never skips) when docker-compose is missing. */
    /** Runs {@code config -q} on the file with compose 1.29 and with compose v2. */
    static void dockerComposeConfig(Path dir, String file) {
        for (String compose : Composes.both()) {
            composeConfig(compose, dir, file);
        }
    }

    private static void composeConfig(String compose, Path dir, String file) {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(compose, "-f", file, "config", "-q")
                    .directory(dir.toFile())
                    .redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("COMPOSE_") || k.equals("DOCKER_HOST"));
            p = pb.start();
        } catch (IOException e) {
            fail(compose + " is not installed (or not on PATH): this test needs it to check the rendered compose"
                    + " file; scripts/provision-engine.sh installs it. " + e.getMessage());
            return;
        }
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(compose + " config did not finish in 120 s");
            }
            assertThat(p.exitValue())
                    .as(
                            "%s -f %s config -q in %s:%n%s%n--- file ---%n%s",
                            compose, file, dir, output, read(dir.resolve(file)))
                    .isZero();
        } catch (IOException e) {
            fail("cannot read " + compose + "'s output: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }
}
