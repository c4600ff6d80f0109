package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.support.Cli;
import dev.agentctl.support.FakeFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** doctor says ok on a clean fleet, finds each problem planted, names the fix, and changes nothing. */
class DoctorTest extends FakeFleet {
    @BeforeEach
    void aCleanFleet() {
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("create", "b", "--env", "OPENAI_API_KEY=sk-b");
    }

    @Test
    void aCleanFleetIsOk() {
        Cli.Result r = run("doctor");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("ok    engine")
                .contains("ok    runtime")
                .doesNotContain("fail")
                .doesNotContain("warn");
    }

    @Test
    void eachPlantedProblemIsFoundWithItsFixAndNothingIsChanged() throws Exception {
        Path a = instance("a");
        ObjectNode cfg = (ObjectNode) json(a.resolve("config/config.json"));
        cfg.with("gateway").put("host", "127.0.0.1");
        cfg.with("tools").with("web").with("search").put("apiKey", "brave-literal");
        write(a.resolve("config/config.json"), cfg.toString());
        Files.setPosixFilePermissions(a.resolve(".env"), PosixFilePermissions.fromString("rw-r--r--"));
        write(instance("b").resolve(".env"), "OPENAI_API_KEY=\n");
        Map<String, String> before = snapshot();

        Cli.Result r = run("doctor");
        assertThat(r.code()).as(r.toString()).isEqualTo(4);
        assertThat(r.out())
                .contains("fail  gateway  a")
                .contains("set gateway.host to 0.0.0.0")
                .contains("warn  secrets  a")
                .contains("tools.web.search.apiKey")
                .doesNotContain("brave-literal")
                .contains("warn  modes    a")
                .contains("chmod 600")
                .contains("fail  keys     b")
                .contains("agentctl set b --env OPENAI_API_KEY");
        assertUnchanged(before, "doctor");
        assertThat(run("doctor", "a", "--json").out())
                .contains("\"check\" : \"gateway\"")
                .doesNotContain("\"subject\" : \"b\"");
    }

    @Test
    void aMissingRuntimeImageFails() {
        engine.untagImage(fleetName + "-runtime:A");
        Cli.Result r = run("doctor");
        assertThat(r.code()).isEqualTo(4);
        assertThat(r.out()).contains("fail  runtime").contains("agentctl runtime build --force");
    }
}
