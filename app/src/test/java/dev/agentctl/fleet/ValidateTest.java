package dev.agentctl.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentctl.AgentctlException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValidateTest {

    @ParameterizedTest
    @ValueSource(strings = {"alice", "a", "bot-2", "a1-b2-c3", "abcdefghijklmnopqrstuvwxyz012345"})
    void goodNames(String name) {
        assertThat(Validate.name(name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "../x",
                "Alice",
                "a_b",
                "-x",
                "1abc",
                "a b",
                "a.b",
                "a/b",
                "bob-",
                "abcdefghijklmnopqrstuvwxyz0123456",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "é"
            })
    void badNames(String name) {
        assertBadInput(() -> Validate.name(name), "'" + name + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"all", "runtime", "backups", "trash", "fleet"})
    void reservedNames(String name) {
        assertBadInput(() -> Validate.name(name), "reserved");
    }

    @Test
    void ports() {
        assertThat(Validate.port("1024")).isEqualTo(1024);
        assertThat(Validate.port("65535")).isEqualTo(65535);
        assertThat(Validate.port("18790")).isEqualTo(18790);
        for (String bad : new String[] {"80", "0", "1023", "65536", "70000", "abc", "-1", "", "18790.5"}) {
            assertBadInput(() -> Validate.port(bad), "'" + bad + "'");
        }
    }

    @Test
    void memory() {
        assertThat(Validate.memory("512m")).isEqualTo(512L << 20);
        assertThat(Validate.memory("1g")).isEqualTo(1L << 30);
        assertThat(Validate.memory("1.5GiB")).isEqualTo(3L << 29);
        assertThat(Validate.memory("2G")).isEqualTo(2L << 30);
        assertThat(Validate.memory("10485760")).isEqualTo(10L << 20);
        for (String bad : new String[] {"12qb", "", "m", "-1g", "1 gigabyte", "1k"}) {
            assertBadInput(() -> Validate.memory(bad), "'" + bad + "'");
        }
    }

    @Test
    void cpus() {
        assertThat(Validate.cpus("0.5")).isEqualTo(0.5);
        assertThat(Validate.cpus("2")).isEqualTo(2.0);
        for (String bad : new String[] {"-1", "0", "abc", "", "NaN", "2000"}) {
            assertBadInput(() -> Validate.cpus(bad), "'" + bad + "'");
        }
    }

    @Test
    void bind() {
        assertThat(Validate.bind("127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(Validate.bind("0.0.0.0")).isEqualTo("0.0.0.0");
        assertThat(Validate.bind("::1")).isEqualTo("::1");
        for (String bad : new String[] {"localhost", "256.1.1.1", "1.2.3", ""}) {
            assertBadInput(() -> Validate.bind(bad), "'" + bad + "'");
        }
    }

    @Test
    void envPairsMaskTheValueInErrors() {
        assertThat(Validate.envPair("OPENAI_API_KEY=sk-1=2")).containsExactly("OPENAI_API_KEY", "sk-1=2");
        assertThat(Validate.envPair("EMPTY=")).containsExactly("EMPTY", "");
        // a value without '=' may be a pasted secret: it is never echoed
        assertThatThrownBy(() -> Validate.envPair("sk-pasted-secret-value"))
                .hasMessageNotContaining("sk-pasted")
                .hasMessageContaining("'***'");
        // a control character could smuggle a second variable into .env
        assertThatThrownBy(() -> Validate.envPair("A=x\rB=y"))
                .isInstanceOf(AgentctlException.class)
                .hasMessageNotContaining("x");
        assertBadInput(() -> Validate.envPair("1X=secret"), "1X=***");
        assertThatThrownBy(() -> Validate.envPair("BAD KEY=hunter2")).hasMessageNotContaining("hunter2");
    }

    @Test
    void apiKeyVariable() {
        assertThat(Validate.apiKeyVar("openai")).isEqualTo("OPENAI_API_KEY");
        assertThat(Validate.apiKeyVar("anthropic")).isEqualTo("ANTHROPIC_API_KEY");
        assertThat(Validate.apiKeyVar("open-router")).isEqualTo("OPEN_ROUTER_API_KEY");
    }

    @Test
    void modelsAndProviders() {
        assertThat(Validate.model("anthropic/claude-3.5-sonnet:beta")).isEqualTo("anthropic/claude-3.5-sonnet:beta");
        assertBadInput(() -> Validate.model("gpt 4"), "'gpt 4'");
        assertThat(Validate.provider("openrouter")).isEqualTo("openrouter");
        assertThat(Validate.provider("lm-studio")).as("nanobot's own spelling").isEqualTo("lm_studio");
        assertBadInput(() -> Validate.provider("openia"), "unknown provider 'openia'");
        assertBadInput(() -> Validate.provider("open ai"), "'open ai'");
    }

    static void assertBadInput(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String fragment) {
        assertThatThrownBy(call)
                .isInstanceOf(AgentctlException.class)
                .hasMessageContaining(fragment)
                .satisfies(e -> {
                    assertThat(((AgentctlException) e).exitCode()).isEqualTo(2);
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }
}
