package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.StatusReport;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "status",
        aliases = "ps",
        description =
                "State, health, uptime, CPU and memory of each instance, as it runs; and what 'up' would change."
                        + " Exit 4 if any instance is not running and healthy (one stopped with 'agentctl stop' excepted), or is degraded: it answers /health but its start-up log says it cannot work (a channel without its libraries or secret, no usable provider, no chat channel).",
        footer = {
            "",
            "CPU% is the container's share of one core (as docker stats computes it) since the",
            "previous status, when that was at most 30 s ago, or else over the next second, all",
            "instances sampled together; MEM is its memory use without page cache, against its limit.",
            "",
            "Examples:",
            "  agentctl status",
            "  agentctl status alice --json",
            "  agentctl status -q --no-stats",
            "  agentctl status --watch"
        })
final class StatusCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all, and orphan containers).")
    List<String> names = List.of();

    @Mixin
    OutputOptions output;

    @Option(names = "--no-stats", description = "Skip CPU and memory (faster).")
    boolean noStats;

    @Option(
            names = {"-w", "--watch"},
            description = "Refresh every 2 seconds until Ctrl-C.")
    boolean watch;

    @Override
    protected int run(Fleet fleet, FleetContainers containers) throws Exception {
        names.forEach(n -> fleet.require(Validate.name(n)));
        while (true) {
            List<StatusReport.Row> rows = StatusReport.collect(fleet, containers, names, !noStats);
            if (watch && colour()) {
                out().print("\033[H\033[2J");
            }
            output.print(out(), rows, StatusReport.Row::name, r -> r, this::table);
            rows.stream()
                    .filter(r -> r.problem() != null)
                    .forEach(r -> err().println("agentctl: " + r.name() + ": " + r.problem()));
            rows.stream()
                    .filter(r -> !r.degraded().isEmpty())
                    .forEach(r ->
                            err().println("agentctl: " + r.name() + ": degraded: " + String.join("; ", r.degraded())));
            int code = rows.stream().anyMatch(StatusReport.Row::bad) ? AgentctlException.UNHEALTHY : 0;
            if (!watch) {
                return code;
            }
            out().flush();
            Thread.sleep(2000);
        }
    }

    private void table(List<StatusReport.Row> rows) {
        if (rows.isEmpty()) {
            out().println("No instances yet. Create one: agentctl create alice");
            return;
        }
        Table t = new Table(
                "NAME",
                "PORT",
                "NETWORK",
                "STATE",
                "HEALTH",
                "UPTIME",
                "CPU%",
                "MEM / LIMIT",
                "RESTARTS",
                "MODEL",
                "RUNTIME",
                "PENDING");
        for (StatusReport.Row r : rows) {
            String state = r.exitCode() != null && r.exitCode() != 0 && !"stopped".equals(r.state())
                    ? r.state() + " (exit " + r.exitCode() + ")"
                    : r.state();
            String mem = r.memoryBytes() != null
                    ? Table.bytes(r.memoryBytes()) + " / " + Table.bytes(r.memoryLimitBytes())
                    : r.memoryLimitBytes() != null && r.memoryLimitBytes() > 0
                            ? "- / " + Table.bytes(r.memoryLimitBytes())
                            : null;
            t.row(
                    r.name(),
                    r.port(),
                    r.network(),
                    state,
                    r.health(),
                    uptime(r.uptimeSeconds()),
                    r.cpuPercent() == null ? null : String.format("%.2f%%", r.cpuPercent()),
                    mem,
                    r.restarts(),
                    r.model(),
                    r.runtime(),
                    r.pending().isEmpty() ? null : pending(r));
        }
        t.print(out());
    }

    private static String pending(StatusReport.Row r) {
        List<String> p = r.pending();
        String cmd = p.get(p.size() - 1);
        return p.size() == 1 ? cmd : String.join(", ", p.subList(0, p.size() - 1)) + ": " + cmd;
    }

    static String uptime(Long s) {
        if (s == null) {
            return null;
        }
        return s < 60
                ? s + "s"
                : s < 3600
                        ? s / 60 + "m"
                        : s < 86400
                                ? s / 3600 + "h" + (s % 3600) / 60 + "m"
                                : s / 86400 + "d" + (s % 86400) / 3600 + "h";
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.UNHEALTHY);
    }
}
