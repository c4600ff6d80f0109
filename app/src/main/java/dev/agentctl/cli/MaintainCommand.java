package dev.agentctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.io.RotatingFile;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.HealthWait;
import dev.agentctl.ops.Journal;
import dev.agentctl.ops.Maintain;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "maintain",
        description = "One pass of unattended care, for cron: heal, back up what is due, prune, verify, check disks,"
                + " notify what changed. Exit 4 when something needs a person.",
        footer = {
            "",
            "Heals instances that should run and do not (unhealthy, exited, degraded): restarted with a",
            "backoff and at most maintain.restartsPerDay times in 24 h, then left alone and reported. One",
            "stopped with agentctl stop is never touched. Backs up each instance when backups.every has",
            "passed, prunes by backups.keep, verifies one archive per run in turn, and every",
            "backups.restoreTestEvery restores the newest into a throwaway folder. Checks the disks of",
            "the fleet root, the backups and Docker's data root (maintain.disk.warn / critical). Sends",
            "each change once to notify: (json, text, slack webhooks, a command). Put it in cron:",
            "agentctl schedule install.",
            "",
            "Examples:",
            "  agentctl maintain",
            "  agentctl maintain --dry-run",
            "  agentctl maintain --json | jq '.items[] | select(.status != \"ok\")'"
        })
final class MaintainCommand extends EngineCommand {
    @Option(
            names = {"-n", "--dry-run"},
            description = "Only say what it would do: nothing is restarted, backed up, removed or sent.")
    boolean dryRun;

    @Option(names = "--json", description = "The report as JSON (stable field names).")
    boolean json;

    @Option(
            names = "--log",
            description = "Append the report to .agentctl/logs/maintain.log (rotated at 10 MB, 7 kept) instead of"
                    + " printing it: what the scheduled entry does.")
    boolean log;

    @Option(
            names = "--wait-timeout",
            paramLabel = "D",
            defaultValue = "2m",
            description = "How long to wait for a restarted instance to become healthy (default: 2m).")
    String waitTimeout;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) throws Exception {
        Duration health = dev.agentctl.fleet.Validate.duration("--wait-timeout", waitTimeout);
        Maintain.Report r;
        try (FleetLock lock = lock(fleet)) {
            r = new Maintain(fleet, containers, Clock.systemUTC(), health, HealthWait.Sleeper.REAL).run(dryRun);
            if (!dryRun) {
                var line = Journal.command(
                        fleet,
                        List.of("maintain"),
                        r.ok() ? 0 : AgentctlException.UNHEALTHY,
                        Duration.ofMillis(r.durationMs()));
                var did = line.putArray("did");
                List<String> names = fleet.instanceNames();
                r.items().stream().filter(i -> !i.status().equals("ok")).forEach(i -> {
                    did.add(i.status() + " " + i.check() + " " + i.subject() + ": " + i.message());
                    if (names.contains(i.subject())) {
                        Journal.mention(line, i.subject()); // so that 'history NAME' shows what maintain did to it
                    }
                });
                Journal.append(fleet, line);
            }
            globals().changed = null; // its own line, with what it did, is written above
        }
        String text = json
                ? new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r) + "\n"
                : text(r);
        if (log) {
            RotatingFile.append(fleet.stateDir().resolve("logs/maintain.log"), r.startedAt() + "\n" + text);
        } else {
            out().print(text);
        }
        return r.ok() ? 0 : AgentctlException.UNHEALTHY;
    }

    private String text(Maintain.Report r) {
        StringBuilder b = new StringBuilder();
        for (Maintain.Item i : r.items()) {
            if (!i.status().equals("ok")) {
                b.append(String.format("%-5s %-12s %-16s %s%n", i.status(), i.check(), i.subject(), i.message()));
            }
        }
        r.notifyFailures()
                .forEach(f -> b.append("warn  notify       ").append(f).append('\n'));
        long ok = r.items().stream().filter(i -> i.status().equals("ok")).count();
        b.append(dryRun ? "Dry run: " : "Maintain: ")
                .append(r.items().size())
                .append(" checks, ")
                .append(ok)
                .append(" ok, ")
                .append(r.ok() ? "nothing needs you" : "something needs you (above)")
                .append(r.notified().isEmpty() ? "" : ", " + r.notified().size() + " change(s) notified")
                .append(" (")
                .append(r.durationMs())
                .append(" ms).\n");
        return b.toString();
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.UNHEALTHY, AgentctlException.LOCKED);
    }
}
