package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.StatusReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "status",
        aliases = "ps",
        description =
                "State, health, uptime, CPU and memory of each instance. Exit 4 if any is unhealthy, exited or restarting.",
        footer = {"", "Examples:", "  agentctl status", "  agentctl status alice --json", "  agentctl status --watch"})
final class StatusCommand extends EngineCommand {
    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all, and orphan containers).")
    List<String> names = List.of();

    @Option(names = "--json", description = "JSON output.")
    boolean json;

    @Option(names = "--no-stats", description = "Skip CPU and memory (faster).")
    boolean noStats;

    @Option(
            names = {"-w", "--watch"},
            description = "Refresh every 2 seconds until Ctrl-C.")
    boolean watch;

    @Override
    protected int run(Fleet fleet, Engine engine) throws Exception {
        names.forEach(n -> fleet.require(Validate.name(n)));
        while (true) {
            List<StatusReport.Row> rows = StatusReport.collect(fleet, engine, names, !noStats);
            if (watch && colour()) {
                out().print("\033[H\033[2J");
            }
            print(rows);
            int code = rows.stream().anyMatch(StatusReport.Row::bad) ? AgentctlException.UNHEALTHY : 0;
            if (!watch) {
                return code;
            }
            out().flush();
            Thread.sleep(2000);
        }
    }

    private void print(List<StatusReport.Row> rows) throws Exception {
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            rows.forEach(r -> out.add(r.json()));
            printJson(out);
            return;
        }
        if (rows.isEmpty()) {
            out().println("No instances yet. Create one: agentctl create alice");
            return;
        }
        Table t = new Table("NAME", "PORT", "STATE", "HEALTH", "UPTIME", "CPU%", "MEM / LIMIT", "RESTARTS", "RUNTIME");
        for (StatusReport.Row r : rows) {
            t.row(
                    r.name(),
                    r.port(),
                    r.state(),
                    r.health(),
                    uptime(r.uptimeSeconds()),
                    r.cpuPercent() == null ? null : String.format("%.2f%%", r.cpuPercent()),
                    r.memoryBytes() == null ? null : bytes(r.memoryBytes()) + " / " + bytes(r.memoryLimitBytes()),
                    r.restarts(),
                    r.runtime());
        }
        t.print(out());
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

    static String bytes(Long b) {
        if (b == null) {
            return "-";
        }
        return b < (1L << 20)
                ? String.format("%.1fKiB", b / 1024.0)
                : b < (1L << 30) ? String.format("%.1fMiB", b / 1048576.0) : String.format("%.2fGiB", b / 1073741824.0);
    }
}
