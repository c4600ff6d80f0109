package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The start-up log lines of nanobot (as the reference quotes them) and the verdict each gives. */
class ReadinessTest {
    static final String HEALTH = "✓ Health endpoint: http://0.0.0.0:18790/health";

    @Test
    void aCleanStartUpIsReady() {
        Readiness.Verdict v = Readiness.parse(List.of(
                "🐈 Starting nanobot gateway version 0.3.0 on port 18790...",
                "✓ Channels enabled: websocket, mattermost",
                "✓ Heartbeat: every 1800s",
                HEALTH));
        assertThat(v.known()).isTrue();
        assertThat(v.degraded()).isFalse();
    }

    @Test
    void eachKnownFailureLineIsAReason() {
        Readiness.Verdict v = Readiness.parse(List.of(
                "2026-12-02 10:00:00.000 | WARNING  | nanobot.cli - Provider/model setup is incomplete: no API key for"
                        + " provider 'openai'",
                "2026-12-02 10:00:01.000 | ERROR    | nanobot.channels.manager - Could not prepare dependencies for"
                        + " enabled channel 'telegram'",
                "2026-12-02 10:00:01.000 | WARNING  | nanobot.channels.manager - Channel 'slack' not started: secret"
                        + " field 'appToken' is empty",
                "Warning: No channels enabled",
                HEALTH));
        assertThat(v.degraded()).isTrue();
        assertThat(v.problems())
                .containsExactly(
                        "provider setup incomplete: no API key for provider 'openai'",
                        "channel telegram has no libraries in the runtime (add it to runtime.channels in fleet.yaml,"
                                + " then agentctl runtime build)",
                        "channel slack not started: its appToken is empty",
                        "no chat channel enabled, nobody can reach it (agentctl channel enable NAME CHANNEL)");
    }

    @Test
    void aStartUpNotFinishedOrAnAgentThatLogsNoneOfNanobotsLinesGivesNoVerdict() {
        assertThat(Readiness.parse(List.of("Warning: No channels enabled")).known())
                .isFalse();
        assertThat(Readiness.parse(List.of("listening on 8080")).known()).isFalse();
    }

    @Test
    void linesAfterTheStartUpDoNotCount() {
        // an agent that later echoes a failure phrase (a user's message, say) is not made degraded by it
        assertThat(Readiness.parse(List.of(HEALTH, "Warning: No channels enabled"))
                        .degraded())
                .isFalse();
    }

    @Test
    void theAgentsWordsAreMadePrintableAndShortBeforeAnyoneSeesThem() {
        String hostile = "Provider/model setup is incomplete: \u001b]52;c;ZXZpbA==\u0007\u001b[2J" + "x".repeat(5000);
        Readiness.Verdict v = Readiness.parse(List.of(hostile, HEALTH));
        assertThat(v.problems()).hasSize(1);
        assertThat(v.problems().get(0))
                .doesNotContain("\u001b")
                .doesNotContain("\u0007")
                .hasSizeLessThan(210);
    }

    @Test
    void aFloodOfFailureLinesGivesAtMostTenProblems() {
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            lines.add("Channel 'c" + i + "' not started: secret field 'token' is empty");
        }
        lines.add(HEALTH);
        assertThat(Readiness.parse(lines).problems()).hasSize(Readiness.MAX_PROBLEMS);
    }
}
