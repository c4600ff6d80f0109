package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** fleet.yaml, read strictly: an unknown key is an error naming it and its line. */
public record FleetConfig(
        String name,
        Runtime runtime,
        Defaults defaults,
        PortRange ports,
        String network,
        String subnets,
        Backups backups,
        Maintain maintain,
        Notify notifications,
        Sessions sessions) {

    /**
     * What {@code maintain} keeps of each instance's conversations: sessions idle longer than {@code archiveAfter}
     * are archived, and while an instance's files hold more than {@code budgetBytes}, its oldest sessions are too.
     * Either is null when off (the default).
     */
    public record Sessions(java.time.Duration archiveAfter, Long budgetBytes) {}

    public record Runtime(
            String image,
            String baseImage,
            String builderImage,
            String packageSpec,
            String source,
            List<String> extras,
            List<String> pipArgs,
            List<String> command,
            String mountPath,
            List<String> channels,
            String wheelhouse) {}

    public record Resources(double cpus, String memory, long memoryBytes, int pids) {}

    public record Logging(String driver, String maxSize, int maxFile) {}

    /** Hardening switches; each can be relaxed, and the reason is shown by {@code show}. */
    public record Security(boolean readOnlyRootfs, boolean dropCapabilities, boolean noNewPrivileges, String reason) {
        public static final Security STRICT = new Security(true, true, true, "");

        public boolean relaxed() {
            return !(readOnlyRootfs && dropCapabilities && noNewPrivileges);
        }
    }

    public record Defaults(
            String model,
            String provider,
            String soul,
            Resources resources,
            Logging logging,
            String bind,
            String restart,
            Security security,
            NetworkMode network,
            Storage storage) {}

    public record PortRange(int from, int to) {}

    public record Backups(
            String dir,
            String mode,
            String compression,
            int keepLast,
            int keepHourly,
            int keepDaily,
            int keepWeekly,
            int keepMonthly,
            int keepYearly,
            String keepWithin,
            java.time.Duration every,
            java.time.Duration restoreTestEvery) {}

    /**
     * What {@code maintain} does on its own: how many restarts an instance gets in 24 hours before it is left alone,
     * and the disk use (percent) that warns and that is critical.
     */
    public record Maintain(
            int restartsPerDay, java.time.Duration backoff, int diskWarn, int diskCritical, String metricsTextfile) {}

    /** Where {@code maintain} says what changed: webhooks by body format, and a command given the text on stdin. */
    public record Notify(List<String> json, List<String> text, List<String> slack, String command) {
        public boolean isEmpty() {
            return targets() == 0;
        }

        public int targets() {
            return json.size() + text.size() + slack.size() + (command == null ? 0 : 1);
        }
    }

    public static final String FILE = "fleet.yaml";
    public static final String DEFAULT_PACKAGE = "nanobot-ai==0.3.0";

    public static FleetConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static FleetConfig parse(String fileName, String text) {
        StrictYaml y = StrictYaml.parse(fileName, text)
                .allow(
                        "name",
                        "runtime",
                        "defaults",
                        "ports",
                        "network",
                        "subnets",
                        "backups",
                        "maintain",
                        "notify",
                        "sessions");
        String name = Validate.fleetName(y.string("name", "nanobot"), y.where("name"));

        StrictYaml r = y.map("runtime")
                .allow(
                        "image",
                        "baseImage",
                        "builderImage",
                        "package",
                        "source",
                        "extras",
                        "pipArgs",
                        "command",
                        "mountPath",
                        "channels",
                        "wheelhouse");
        String mount = r.string("mountPath", "/opt/venv");
        if (!mount.startsWith("/") || mount.contains("..") || mount.equals("/")) {
            throw AgentctlException.badInput(
                    r.where("mountPath") + ": runtime.mountPath must be an absolute folder, not '" + mount + "'");
        }
        List<String> command =
                List.of(r.string("command", "nanobot gateway").trim().split("\\s+"));
        Runtime runtime = new Runtime(
                r.string("image", name + "-runtime:latest"),
                r.string("baseImage", "debian:bookworm-slim"),
                r.string("builderImage", "python:3.12-slim-bookworm"),
                r.string("package", r.has("source") ? null : DEFAULT_PACKAGE),
                r.string("source", null),
                r.strings("extras"),
                r.strings("pipArgs"),
                command,
                mount,
                channels(r),
                r.string("wheelhouse", null));

        StrictYaml d = y.map("defaults")
                .allow(
                        "model",
                        "provider",
                        "soul",
                        "resources",
                        "logging",
                        "bind",
                        "restart",
                        "security",
                        "network",
                        "storage");
        StrictYaml res = d.map("resources").allow("cpus", "memory", "pids");
        String memory = res.string("memory", "1g");
        Resources resources = new Resources(
                Validate.cpus(res.string("cpus", "1.0")),
                memory,
                Validate.memory(memory),
                Validate.pids(res.string("pids", "256")));
        StrictYaml log = d.map("logging").allow("driver", "maxSize", "maxFile");
        Logging logging = new Logging(
                log.string("driver", "json-file"), log.string("maxSize", "10m"), log.integer("maxFile", 3, 1, 100));
        String restart = d.string("restart", "unless-stopped");
        if (!List.of("no", "always", "unless-stopped", "on-failure").contains(restart)) {
            throw AgentctlException.badInput(d.where("restart")
                    + ": restart must be no, always, unless-stopped or on-failure, not '" + restart + "'");
        }
        Defaults defaults = new Defaults(
                Validate.model(d.string("model", "gpt-4o-mini")),
                Validate.provider(d.string("provider", "openai")),
                d.string("soul", "assistant"),
                resources,
                logging,
                Validate.bind(d.string("bind", "127.0.0.1")),
                restart,
                security(d.map("security")),
                d.has("network")
                        ? NetworkMode.parse(d.where("network"), d.string("network", null))
                        : NetworkMode.DEFAULT,
                d.has("storage") ? Storage.parse(d.where("storage"), d.string("storage", null)) : Storage.DEFAULT);

        StrictYaml p = y.map("ports").allow("from", "to");
        PortRange ports = new PortRange(p.integer("from", 18790, 1024, 65535), p.integer("to", 18999, 1024, 65535));
        if (ports.to() < ports.from()) {
            throw AgentctlException.badInput(
                    p.where("to") + ": ports.to (" + ports.to() + ") is below ports.from (" + ports.from() + ")");
        }

        StrictYaml b = y.map("backups").allow("dir", "mode", "compression", "keep", "every", "restoreTestEvery");
        String mode = b.string("mode", "pause");
        if (!List.of("pause", "stop", "online").contains(mode)) {
            throw AgentctlException.badInput(
                    b.where("mode") + ": backups.mode must be pause, stop or online, not '" + mode + "'");
        }
        String compression = b.string("compression", "zstd");
        if (!List.of("zstd", "gzip").contains(compression)) {
            throw AgentctlException.badInput(
                    b.where("compression") + ": backups.compression must be zstd or gzip, not '" + compression + "'");
        }
        StrictYaml k = b.map("keep").allow("last", "hourly", "daily", "weekly", "monthly", "yearly", "within");
        int max = 100_000;
        Backups backups = new Backups(
                b.string("dir", "backups"),
                mode,
                compression,
                k.integer("last", 7, 0, max),
                k.integer("hourly", 0, 0, max),
                k.integer("daily", 7, 0, max),
                k.integer("weekly", 4, 0, max),
                k.integer("monthly", 6, 0, max),
                k.integer("yearly", 0, 0, max),
                k.string("within", null),
                period(b, "every", null),
                period(b, "restoreTestEvery", "7d"));

        StrictYaml m = y.map("maintain").allow("restartsPerDay", "backoff", "disk", "metricsTextfile");
        StrictYaml disk = m.map("disk").allow("warn", "critical");
        Maintain maintain = new Maintain(
                m.integer("restartsPerDay", 5, 0, 1000),
                backoff(m),
                disk.integer("warn", 80, 1, 100),
                disk.integer("critical", 90, 1, 100),
                m.string("metricsTextfile", null));
        if (maintain.diskCritical() < maintain.diskWarn()) {
            throw AgentctlException.badInput(disk.where("critical") + ": maintain.disk.critical ("
                    + maintain.diskCritical() + ") is below maintain.disk.warn (" + maintain.diskWarn() + ")");
        }
        StrictYaml n = y.map("notify").allow("json", "text", "slack", "command");
        Notify notify = new Notify(urls(n, "json"), urls(n, "text"), urls(n, "slack"), n.string("command", null));

        StrictYaml se = y.map("sessions").allow("archiveAfter", "budget");
        String budget = se.string("budget", null);
        Long budgetBytes;
        try {
            budgetBytes = budget == null ? null : Validate.size("sessions.budget", budget);
        } catch (AgentctlException e) {
            throw AgentctlException.badInput(se.where("budget") + ": " + e.getMessage());
        }
        Sessions sessions = new Sessions(period(se, "archiveAfter", null), budgetBytes);
        return new FleetConfig(
                name,
                runtime,
                defaults,
                ports,
                y.string("network", name + "-net"),
                subnets(y),
                backups,
                maintain,
                notify,
                sessions);
    }

    /** Where the bridges of isolated and internal instances get their addresses: a /28 each. */
    public static final String DEFAULT_SUBNETS = "172.30.0.0/16";

    private static String subnets(StrictYaml y) {
        String pool = y.string("subnets", DEFAULT_SUBNETS);
        if (!Validate.isCidr(pool, 8, 28)) {
            throw AgentctlException.badInput(y.where("subnets")
                    + ": subnets must be an IPv4 range from /8 to /28 such as " + DEFAULT_SUBNETS + ", not '" + pool
                    + "'");
        }
        return pool;
    }

    private static java.time.Duration backoff(StrictYaml m) {
        try {
            return Validate.duration(m.string("backoff", "1m"));
        } catch (AgentctlException e) {
            throw AgentctlException.badInput(m.where("backoff") + ": " + e.getMessage());
        }
    }

    /** A duration such as 24h (at least a minute), or {@code fallback} when the key is absent. */
    private static java.time.Duration period(StrictYaml y, String key, String fallback) {
        String v = y.string(key, fallback);
        if (v == null) {
            return null;
        }
        java.time.Duration d;
        try {
            d = Validate.duration(v);
        } catch (AgentctlException e) {
            throw AgentctlException.badInput(y.where(key) + ": " + e.getMessage());
        }
        if (d.compareTo(java.time.Duration.ofMinutes(1)) < 0) {
            throw AgentctlException.badInput(y.where(key) + ": '" + v + "' is too short: at least 1m");
        }
        return d;
    }

    /** http(s) URLs only: a notification never goes to a file or another scheme. */
    private static List<String> urls(StrictYaml y, String key) {
        List<String> out = y.strings(key);
        for (String u : out) {
            if (!u.matches("https?://[^\\s]+")) {
                throw AgentctlException.badInput(y.where(key) + ": '" + u + "' is not an http(s) URL");
            }
        }
        return out;
    }

    private static List<String> channels(StrictYaml r) {
        List<String> out = new java.util.ArrayList<>();
        for (String c : r.strings("channels")) {
            try {
                out.add(Channels.require(c).name());
            } catch (AgentctlException e) {
                throw AgentctlException.badInput(r.where("channels") + ": " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    /** The {@code security:} block of fleet.yaml or instance.yaml; absent keys take {@code base}'s values. */
    static Security security(StrictYaml s) {
        return security(s, Security.STRICT);
    }

    static Security security(StrictYaml s, Security base) {
        s.allow("readOnlyRootfs", "dropCapabilities", "noNewPrivileges", "reason");
        Security sec = new Security(
                s.bool("readOnlyRootfs", base.readOnlyRootfs()),
                s.bool("dropCapabilities", base.dropCapabilities()),
                s.bool("noNewPrivileges", base.noNewPrivileges()),
                s.string("reason", base.reason()));
        if (sec.relaxed() && sec.reason().isBlank()) {
            throw AgentctlException.badInput(
                    s.where("reason") + ": relaxing security needs a 'reason' beside it, shown by agentctl show");
        }
        return sec;
    }
}
