package dev.agentctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FleetTestBase;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** list --json and show --json: a stable shape scripts can rely on, and never a secret. */
class ListShowJsonTest extends FleetTestBase {
    static final List<String> FIELDS = List.of(
            "name",
            "container",
            "port",
            "bind",
            "network",
            "storage",
            "model",
            "provider",
            "soul",
            "created",
            "cpus",
            "memory",
            "pids",
            "security",
            "env",
            "apiKeySet",
            "path");
    static final String SECRET = "sk-json-secret-987";

    int alicePort;
    int bobPort;

    @BeforeEach
    void twoInstancesOneWithASecret() {
        alicePort = freePort();
        ok(
                "create",
                "alice",
                Integer.toString(alicePort),
                "gpt-4o-mini",
                "--soul",
                "expert",
                "--env",
                "OPENAI_API_KEY=" + SECRET,
                "--env",
                "SLACK_TOKEN=xoxb-secret-token");
        bobPort = freePort(alicePort);
        ok("create", "bob", Integer.toString(bobPort), "--memory", "512m");
    }

    @Test
    void listJson() {
        Cli.Result r = ok("list", "--json");
        assertThat(r.out()).doesNotContain(SECRET).doesNotContain("xoxb-secret-token");
        JsonNode rows = json(r.out());
        assertThat(rows.isArray()).isTrue();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).path("name").asText()).isEqualTo("alice");
        assertThat(rows.get(1).path("name").asText()).isEqualTo("bob");
        for (JsonNode row : rows) {
            assertThat(names(row)).containsExactlyElementsOf(FIELDS);
        }
        JsonNode a = rows.get(0);
        assertThat(a.path("port").isInt()).isTrue();
        assertThat(a.path("port").asInt()).isEqualTo(alicePort);
        assertThat(a.path("container").asText()).isEqualTo(fleetName + "-alice");
        assertThat(a.path("bind").asText()).isEqualTo("127.0.0.1");
        assertThat(a.path("network").asText()).isEqualTo("isolated");
        assertThat(a.path("storage").asText()).isEqualTo("bind");
        assertThat(a.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(a.path("provider").asText()).isEqualTo("openai");
        assertThat(a.path("soul").asText()).isEqualTo("expert");
        assertThat(a.path("created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(a.path("cpus").isNumber()).isTrue();
        assertThat(a.path("memory").asText()).isEqualTo("1g");
        assertThat(a.path("pids").asInt()).isEqualTo(256);
        assertThat(a.path("security").path("readOnlyRootfs").asBoolean()).isTrue();
        assertThat(a.path("env").path("OPENAI_API_KEY").asText()).isEqualTo("****");
        assertThat(a.path("env").path("SLACK_TOKEN").asText()).isEqualTo("****");
        assertThat(a.path("apiKeySet").asBoolean()).isTrue();
        assertThat(a.path("path").asText())
                .isEqualTo(instance("alice").toAbsolutePath().toString());

        JsonNode b = rows.get(1);
        assertThat(b.path("memory").asText()).isEqualTo("512m");
        assertThat(b.path("apiKeySet").asBoolean()).isFalse();
        assertThat(b.path("env").has("OPENAI_API_KEY"))
                .as("no empty key is written")
                .isFalse();
    }

    @Test
    void showJsonIsTheSameObjectAsTheListRow() {
        Cli.Result r = ok("show", "alice", "--json");
        assertThat(r.out()).doesNotContain(SECRET);
        JsonNode one = json(r.out());
        assertThat(names(one)).containsExactlyElementsOf(FIELDS);
        assertThat(one).isEqualTo(json(ok("list", "--json").out()).get(0));
    }

    @Test
    void humanOutputsMaskSecretsToo() {
        Cli.Result show = ok("show", "alice");
        assertThat(show.out())
                .contains("alice")
                .contains(Integer.toString(alicePort))
                .doesNotContain(SECRET);
        Cli.Result list = ok("list");
        assertThat(list.out())
                .contains("NAME")
                .contains("alice")
                .contains("bob")
                .doesNotContain(SECRET);
    }

    @Test
    void emptyFleetListsAnEmptyArray() {
        ok("rm", "alice", "--yes", "--purge");
        ok("rm", "bob", "--yes", "--purge");
        assertThat(json(ok("list", "--json").out()).isArray()).isTrue();
        assertThat(json(ok("list", "--json").out())).isEmpty();
    }

    private static List<String> names(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
