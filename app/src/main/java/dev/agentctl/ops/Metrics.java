package dev.agentctl.ops;

import dev.agentctl.backup.BackupCatalog;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.SessionFiles;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code agentctl metrics}: the fleet in Prometheus's text exposition format (version 0.0.4), for node_exporter's
 * textfile collector or any scraper. Base units (bytes, seconds), {@code _total} for counters, one HELP and TYPE per
 * family, labels {@code fleet} and {@code instance}.
 */
public final class Metrics {
    private record Family(String name, String type, String help, List<String> samples) {}

    private final Map<String, Family> families = new LinkedHashMap<>();
    private final String fleetName;

    private Metrics(String fleetName) {
        this.fleetName = fleetName;
    }

    /** Everything about the fleet now: one status pass with live stats, the backup catalog, maintain's state. */
    public static String collect(Fleet fleet, FleetContainers containers, Instant now) {
        Metrics m = new Metrics(fleet.config().name());
        List<StatusReport.Row> rows = StatusReport.collect(fleet, containers, List.of(), true);
        for (StatusReport.Row r : rows) {
            String inst = r.name();
            m.gauge(
                    "agentctl_instance_up",
                    "1 when the instance's container runs.",
                    inst,
                    "running".equals(r.state()) ? 1 : 0);
            m.gauge(
                    "agentctl_instance_healthy",
                    "1 when it runs, answers its health check and is not degraded.",
                    inst,
                    "healthy".equals(r.health()) ? 1 : 0);
            m.gauge(
                    "agentctl_instance_degraded",
                    "1 when it answers /health but its start-up log says it cannot work.",
                    inst,
                    r.degraded().isEmpty() ? 0 : 1);
            if (r.restarts() != null) {
                m.counter(
                        "agentctl_instance_restarts_total",
                        "Restarts of the container by the engine.",
                        inst,
                        r.restarts());
            }
            if (r.cpuPercent() != null) {
                m.gauge(
                        "agentctl_instance_cpu_ratio",
                        "CPU used, as a share of one core (1 = a whole core).",
                        inst,
                        r.cpuPercent() / 100.0);
            }
            if (r.memoryBytes() != null) {
                m.gauge("agentctl_instance_memory_bytes", "Memory the container uses.", inst, r.memoryBytes());
            }
            if (r.memoryLimitBytes() != null && r.memoryLimitBytes() > 0) {
                m.gauge(
                        "agentctl_instance_memory_limit_bytes",
                        "The container's memory limit.",
                        inst,
                        r.memoryLimitBytes());
            }
            if (r.uptimeSeconds() != null) {
                m.gauge(
                        "agentctl_instance_uptime_seconds",
                        "Seconds since the container started.",
                        inst,
                        r.uptimeSeconds());
            }
            files(m, fleet.instanceDir(inst), inst);
            BackupCatalog.newest(fleet.backupsDir(), inst).ifPresent(b -> {
                m.gauge(
                        "agentctl_backup_last_timestamp_seconds",
                        "When the newest backup was taken (Unix time).",
                        inst,
                        b.createdAt().getEpochSecond());
                m.gauge(
                        "agentctl_backup_last_age_seconds",
                        "Age of the newest backup.",
                        inst,
                        Math.max(0, now.getEpochSecond() - b.createdAt().getEpochSecond()));
                m.gauge("agentctl_backup_last_size_bytes", "Size of the newest backup archive.", inst, b.size());
            });
        }
        MaintainState s = MaintainState.load(fleet);
        for (StatusReport.Row r : rows) {
            Boolean ok = s.verifyOk.get(r.name());
            if (ok != null) {
                m.gauge(
                        "agentctl_backup_last_verify_ok",
                        "1 when the last of its archives that maintain verified matched every checksum.",
                        r.name(),
                        ok ? 1 : 0);
                m.gauge(
                        "agentctl_backup_last_verify_timestamp_seconds",
                        "When maintain last verified one of its archives (Unix time).",
                        r.name(),
                        s.verifyAt.getOrDefault(r.name(), 0L));
            }
        }
        if (s.lastRun > 0) {
            m.gauge(
                    "agentctl_maintain_last_run_timestamp_seconds",
                    "When maintain last ran (Unix time).",
                    null,
                    s.lastRun);
            m.gauge(
                    "agentctl_maintain_last_duration_seconds",
                    "How long its last run took.",
                    null,
                    s.lastDurationMillis / 1000.0);
            m.gauge(
                    "agentctl_maintain_last_ok",
                    "1 when its last run found nothing that needs a person.",
                    null,
                    "ok".equals(s.lastResult) ? 1 : 0);
        }
        disk(m, fleet.root());
        return m.render();
    }

    /** Sessions and the agent's own logs (config/logs); nothing for a folder that cannot be read. */
    private static void files(Metrics m, Path dir, String inst) {
        try {
            SessionFiles.Listing l = SessionFiles.list(dir);
            long logs = SessionFiles.bytesUnder(dir, "config/logs");
            m.gauge(
                    "agentctl_instance_sessions",
                    "Sessions (conversations) in its live folders.",
                    inst,
                    l.sessions().size());
            m.gauge("agentctl_instance_sessions_bytes", "Bytes of those sessions.", inst, l.bytes());
            m.gauge("agentctl_instance_log_bytes", "Bytes of the agent's own log files (config/logs).", inst, logs);
        } catch (IOException | RuntimeException e) {
            // no figures rather than no metrics
        }
    }

    private static void disk(Metrics m, Path root) {
        try {
            FileStore fs = Files.getFileStore(root);
            m.gauge(
                    "agentctl_fleet_disk_size_bytes",
                    "Size of the file system holding the fleet root.",
                    null,
                    fs.getTotalSpace());
            m.gauge(
                    "agentctl_fleet_disk_free_bytes",
                    "Space left on it for agentctl (as root).",
                    null,
                    fs.getUsableSpace());
        } catch (IOException ignored) {
            // no disk figures rather than no metrics
        }
    }

    private void gauge(String name, String help, String instance, double value) {
        sample(name, "gauge", help, instance, value);
    }

    private void counter(String name, String help, String instance, double value) {
        sample(name, "counter", help, instance, value);
    }

    private void sample(String name, String type, String help, String instance, double value) {
        Family f = families.computeIfAbsent(name, n -> new Family(n, type, help, new ArrayList<>()));
        String labels = "fleet=\"" + escape(fleetName) + "\""
                + (instance == null ? "" : ",instance=\"" + escape(instance) + "\"");
        f.samples().add(name + "{" + labels + "} " + number(value));
    }

    private String render() {
        StringBuilder b = new StringBuilder();
        for (Family f : families.values()) {
            b.append("# HELP ").append(f.name()).append(' ').append(f.help()).append('\n');
            b.append("# TYPE ").append(f.name()).append(' ').append(f.type()).append('\n');
            f.samples().forEach(s -> b.append(s).append('\n'));
        }
        return b.toString();
    }

    /** A label value as the format wants it: backslash, double quote and line feed escaped. */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15
                ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.6g", v);
    }
}
