package dev.agentctl.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentctl.engine.FakeEngine;
import dev.agentctl.engine.StatsSample;
import dev.agentctl.support.FakeFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which readings a CPU% comes from: the one the last status kept when it is recent, else a second one. */
class LiveStatsTest extends FakeFleet {
    String id;

    @BeforeEach
    void aRunningInstance() {
        engine.healthyAfter = Duration.ZERO;
        ok("create", "a", "--env", "OPENAI_API_KEY=sk-a");
        ok("up");
        FakeEngine.Box box = engine.byName(container("a")).orElseThrow();
        id = box.id;
    }

    private Path kept() {
        return root.resolve(".agentctl/stats.json");
    }

    @Test
    void theFirstStatusTakesTwoReadingsAndTheNextOneReusesTheKeptOne() {
        var first = LiveStats.read(fleet(), engine, List.of(id));
        assertThat(engine.calls("stats")).hasSize(2);
        assertThat(first.get(id).cpuPercent()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.01));
        assertThat(first.get(id).memoryUsage()).isEqualTo(40L << 20);
        assertThat(kept()).exists();

        var second = LiveStats.read(fleet(), engine, List.of(id));
        assertThat(engine.calls("stats"))
                .as("one reading: the kept one is a second old")
                .hasSize(3);
        assertThat(second.get(id).cpuPercent()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void anEngineThatAnswersAtOnceIsAskedAgainASecondLater() {
        engine.statsAtOnce = true;
        long t0 = System.nanoTime();
        var r = LiveStats.read(fleet(), engine, List.of(id));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(LiveStats.WINDOW.minusMillis(50));
        assertThat(engine.calls("stats")).hasSize(2);
        assertThat(r.get(id).cpuPercent()).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.1));
    }

    @Test
    void aKeptReadingTooOldOrDamagedOrOfTheSameTickIsNotUsed() throws Exception {
        // 40 s before the fake engine's first tick: too old to give a CPU% of the last few seconds
        Files.writeString(kept(), "{\"" + id + "\": [-40000000000, 0, 0, 2]}");
        LiveStats.read(fleet(), engine, List.of(id));
        assertThat(engine.calls("stats")).hasSize(2);

        Files.writeString(kept(), "{not json");
        var r = LiveStats.read(fleet(), engine, List.of(id));
        assertThat(engine.calls("stats")).hasSize(4);
        assertThat(r).containsKey(id);
    }

    @Test
    void twoReadingsCloserThanHalfASecondOrWithCountersGoingBackGiveNoCpu() {
        StatsSample a = new StatsSample(1_000_000_000L, 100, 1000, 2, 0, 0);
        assertThat(new StatsSample(1_400_000_000L, 200, 2000, 2, 0, 0).cpuPercentSince(a, LiveStats.MIN))
                .isEmpty();
        assertThat(new StatsSample(2_000_000_000L, 50, 2000, 2, 0, 0).cpuPercentSince(a, LiveStats.MIN))
                .isEmpty();
        // one core of two busy: half the host's CPU time, times two cores
        assertThat(new StatsSample(2_000_000_000L, 600, 2000, 2, 0, 0)
                        .cpuPercentSince(a, LiveStats.MIN)
                        .getAsDouble())
                .isEqualTo(100.0);
    }
}
