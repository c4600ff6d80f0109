package dev.agentctl.fleet;

import static dev.agentctl.fleet.ValidateTest.assertBadInput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** fleet.yaml is read strictly: unknown keys, bad values and malformed YAML name the file and line. */
class FleetConfigTest {

    @Test
    void theShippedFleetYamlGivesTheDocumentedDefaults() throws IOException {
        FleetConfig c = FleetConfig.parse("fleet.yaml", shipped());
        FleetConfig empty = FleetConfig.parse("fleet.yaml", "");
        for (FleetConfig f : new FleetConfig[] {c, empty}) {
            assertThat(f.name()).isEqualTo("nanobot");
            assertThat(f.network()).isEqualTo("nanobot-net");
            assertThat(f.ports()).isEqualTo(new FleetConfig.PortRange(18790, 18999));
            assertThat(f.defaults().model()).isEqualTo("gpt-4o-mini");
            assertThat(f.defaults().provider()).isEqualTo("openai");
            assertThat(f.defaults().soul()).isEqualTo("assistant");
            assertThat(f.defaults().bind()).isEqualTo("127.0.0.1");
            assertThat(f.defaults().restart()).isEqualTo("unless-stopped");
            assertThat(f.defaults().logging()).isEqualTo(new FleetConfig.Logging("json-file", "10m", 3));
            assertThat(f.defaults().resources().memoryBytes()).isEqualTo(1L << 30);
            assertThat(f.defaults().resources().pids()).isEqualTo(256);
            assertThat(f.defaults().security()).isEqualTo(FleetConfig.Security.STRICT);
            assertThat(f.runtime().mountPath()).isEqualTo("/opt/venv");
        }
    }

    @Test
    void aNamedFleetDerivesNetworkAndImage() {
        FleetConfig c = FleetConfig.parse("f.yaml", "name: lab\n");
        assertThat(c.network()).isEqualTo("lab-net");
        assertThat(c.runtime().image()).isEqualTo("lab-runtime:latest");
    }

    @Test
    void unknownKeysAtAnyDepthNameKeyAndLine() {
        assertBadInput(() -> FleetConfig.parse("f.yaml", "name: x\nnmae: y\n"), "f.yaml:2");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "name: x\nnmae: y\n"), "'nmae'");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "defaults:\n  resources:\n    memroy: 1g\n"), "f.yaml:3");
        assertBadInput(
                () -> FleetConfig.parse("f.yaml", "defaults:\n  resources:\n    memroy: 1g\n"),
                "'defaults.resources.memroy'");
    }

    @Test
    void malformedYamlNamesLineAndColumn() {
        assertBadInput(() -> FleetConfig.parse("f.yaml", "name: x\ndefaults:\n\tmodel: y\n"), "f.yaml:3:1");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "name: [unclosed\n"), "f.yaml:");
    }

    @Test
    void duplicateKeysAreRefused() {
        assertBadInput(() -> FleetConfig.parse("f.yaml", "name: a\nname: b\n"), "f.yaml:2");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "ports:\n  from: 18800\n  from: 18900\n"), "'ports.from'");
    }

    @Test
    void noArbitraryTypes() {
        assertBadInput(() -> FleetConfig.parse("f.yaml", "name: !!javax.script.ScriptEngineManager [x]\n"), "f.yaml");
    }

    @Test
    void aliasBombIsRefusedQuickly() {
        StringBuilder y = new StringBuilder("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (char c = 'b'; c <= 'k'; c++) {
            y.append(c).append(": &").append(c).append(" [");
            for (int n = 0; n < 10; n++) {
                y.append(n == 0 ? "" : ",").append('*').append((char) (c - 1));
            }
            y.append("]\n");
        }
        assertTimeoutPreemptively(
                Duration.ofSeconds(5), () -> assertBadInput(() -> FleetConfig.parse("f.yaml", y.toString()), "f.yaml"));
    }

    @Test
    void badValuesNameTheLine() {
        assertBadInput(() -> FleetConfig.parse("f.yaml", "ports:\n  from: 100\n"), "f.yaml:2");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "ports:\n  from: 19000\n  to: 18000\n"), "f.yaml:3");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "defaults:\n  restart: sometimes\n"), "'sometimes'");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "name: Bad_Name\n"), "'Bad_Name'");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "defaults:\n  resources:\n    memory: 12qb\n"), "'12qb'");
        assertBadInput(() -> FleetConfig.parse("f.yaml", "runtime:\n  mountPath: relative\n"), "'relative'");
        assertBadInput(
                () -> FleetConfig.parse("f.yaml", "defaults:\n  security:\n    readOnlyRootfs: false\n"), "reason");
    }

    private static String shipped() throws IOException {
        try (InputStream in = FleetConfigTest.class.getResourceAsStream("/fleet-skel/templates/fleet.yaml")) {
            assertThat(in)
                    .as("fleet-skel/templates/fleet.yaml on the class path")
                    .isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
