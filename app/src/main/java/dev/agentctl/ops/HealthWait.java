package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.Health;
import dev.agentctl.spec.ContainerSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Waits for a container to prove itself: healthy; or gives up when it is unhealthy (only once enough probes ran
 * since the wait began to earn that verdict: a container just unpaused may still show the verdict of probes that
 * failed while it was paused), exited, crash-looping, gone, or out of time. The clock and the sleep are injected,
 * so the rules are tested in milliseconds.
 */
public final class HealthWait {
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(d.toMillis());
    }

    public enum Verdict {
        HEALTHY,
        UNHEALTHY,
        EXITED,
        CRASH_LOOP,
        GONE,
        TIMED_OUT;

        /** How status words it. */
        public String word() {
            return switch (this) {
                case HEALTHY -> "healthy";
                case UNHEALTHY -> "unhealthy";
                case EXITED -> "exited";
                case CRASH_LOOP -> "restarting";
                case GONE -> "gone";
                case TIMED_OUT -> "timed out";
            };
        }
    }

    public record Result(Verdict verdict, ContainerInfo last) {}

    static final Duration POLL = Duration.ofMillis(500);

    private final ContainerEngine engine;
    private final Clock clock;
    private final Sleeper sleeper;

    public HealthWait(ContainerEngine engine, Clock clock, Sleeper sleeper) {
        this.engine = engine;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    public Result await(String container, ContainerSpec.Healthcheck hc, Duration timeout) {
        Instant start = clock.instant();
        Instant deadline = start.plus(timeout);
        Duration verdict = Duration.ofSeconds(hc.intervalSeconds() * hc.retries());
        while (true) {
            var seen = engine.inspect(container);
            if (seen.isEmpty()) {
                return new Result(Verdict.GONE, null);
            }
            ContainerInfo c = seen.get();
            Instant now = clock.instant();
            if (c.health() == Health.HEALTHY || (c.health() == Health.NONE && c.running())) {
                return new Result(Verdict.HEALTHY, c);
            }
            if (c.health() == Health.UNHEALTHY && Duration.between(start, now).compareTo(verdict) >= 0) {
                return new Result(Verdict.UNHEALTHY, c);
            }
            if (c.state() == ContainerState.EXITED || c.state() == ContainerState.DEAD) {
                return new Result(Verdict.EXITED, c);
            }
            if (c.state() == ContainerState.RESTARTING && c.restartCount() > 0) {
                return new Result(Verdict.CRASH_LOOP, c);
            }
            if (now.isAfter(deadline)) {
                return new Result(Verdict.TIMED_OUT, c);
            }
            try {
                sleeper.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw AgentctlException.failed("interrupted while waiting for " + container, e);
            }
        }
    }
}
