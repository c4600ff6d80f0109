package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** fleet.yaml, read strictly: an unknown key is an error naming it and its line. */
public record FleetConfig(
        String name, Runtime runtime, Defaults defaults, PortRange ports, String network, Backups backups) {

    public record Runtime(
            String image,
            String baseImage,
            String builderImage,
            String packageSpec,
            String source,
            List<String> extras,
            List<String> pipArgs,
            List<String> command,
            String mountPath) {}

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
            Security security) {}

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
            String keepWithin) {}

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
        StrictYaml y =
                StrictYaml.parse(fileName, text).allow("name", "runtime", "defaults", "ports", "network", "backups");
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
                        "mountPath");
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
                mount);

        StrictYaml d = y.map("defaults")
                .allow("model", "provider", "soul", "resources", "logging", "bind", "restart", "security");
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
                security(d.map("security")));

        StrictYaml p = y.map("ports").allow("from", "to");
        PortRange ports = new PortRange(p.integer("from", 18790, 1024, 65535), p.integer("to", 18999, 1024, 65535));
        if (ports.to() < ports.from()) {
            throw AgentctlException.badInput(
                    p.where("to") + ": ports.to (" + ports.to() + ") is below ports.from (" + ports.from() + ")");
        }

        StrictYaml b = y.map("backups").allow("dir", "mode", "compression", "keep");
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
                k.string("within", null));

        return new FleetConfig(name, runtime, defaults, ports, y.string("network", name + "-net"), backups);
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
