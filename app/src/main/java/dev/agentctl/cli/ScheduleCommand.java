package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Validate;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "schedule",
        description = "Run 'agentctl maintain' for this fleet root on a schedule: a cron entry (or a systemd timer).",
        subcommands = {ScheduleCommand.Install.class, ScheduleCommand.Status.class, ScheduleCommand.Remove.class},
        footer = {
            "",
            "The entry runs: agentctl --root ROOT maintain --log, whose report goes to",
            "ROOT/.agentctl/logs/maintain.log (rotated at 10 MB, 7 kept). Installing again replaces it.",
            "",
            "Examples:",
            "  agentctl schedule install --every 15m",
            "  agentctl schedule install --systemd",
            "  agentctl schedule status",
            "  agentctl schedule remove"
        })
final class ScheduleCommand extends BaseCommand {
    /** Where the entries go: cron's and systemd's own folders (AGENTCTL_SCHEDULE_DIR puts both elsewhere). */
    static Path cronDir(BaseCommand c) {
        String d = c.globals().env.get("AGENTCTL_SCHEDULE_DIR");
        return Path.of(d != null ? d : "/etc/cron.d");
    }

    static Path systemdDir(BaseCommand c) {
        String d = c.globals().env.get("AGENTCTL_SCHEDULE_DIR");
        return Path.of(d != null ? d : "/etc/systemd/system");
    }

    static String unit(Fleet fleet) {
        return "agentctl-maintain-"
                + fleet.id().substring(0, Math.min(12, fleet.id().length()));
    }

    static List<Path> files(BaseCommand c, Fleet fleet) {
        String u = unit(fleet);
        return List.of(
                cronDir(c).resolve(u),
                systemdDir(c).resolve(u + ".service"),
                systemdDir(c).resolve(u + ".timer"));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    /** Every D as a cron schedule: whole minutes that divide an hour, or whole hours that divide a day. */
    static String cronTimes(Duration d) {
        long m = d.toMinutes();
        if (d.toSeconds() % 60 == 0 && m >= 1 && m < 60 && 60 % m == 0) {
            return m == 1 ? "* * * * *" : "*/" + m + " * * * *";
        }
        if (m % 60 == 0 && m / 60 >= 1 && m / 60 <= 24 && 24 % (m / 60) == 0) {
            return "0 */" + (m / 60) + " * * *";
        }
        throw AgentctlException.badInput("invalid --every '" + d.toMinutes() + "m': cron runs it every N minutes"
                + " that divide an hour (1m, 5m, 15m, 30m) or N hours that divide a day (1h, 6h, 24h)");
    }

    @Command(
            name = "install",
            description = "Install (or replace) the entry that runs maintain.",
            footer = {"", "Examples:", "  agentctl schedule install --every 15m"})
    static final class Install extends BaseCommand {
        @Option(names = "--every", paramLabel = "D", defaultValue = "15m", description = "How often (default 15m).")
        String every;

        @Option(names = "--cron", description = "A cron entry in /etc/cron.d (the default).")
        boolean cron;

        @Option(names = "--systemd", description = "A systemd service and timer in /etc/systemd/system instead.")
        boolean systemd;

        @Override
        public Integer call() throws IOException {
            if (cron && systemd) {
                throw AgentctlException.badInput("give --cron or --systemd, not both");
            }
            Duration d = Validate.duration("--every", every);
            String times = systemd ? null : cronTimes(d);
            Fleet fleet = fleet();
            Path root = fleet.root().toAbsolutePath().normalize();
            String launcher = globals().env.getOrDefault("AGENTCTL_LAUNCHER", "agentctl");
            for (String p : List.of(root.toString(), launcher)) {
                // cron reads % as a line break and systemd as a specifier; a line break would start an entry
                if (!p.matches("[^\\p{Cntrl}%]+")) {
                    throw AgentctlException.badInput("refusing to schedule '" + p.replaceAll("\\p{Cntrl}", "?")
                            + "': a path with a control character or % cannot go into a cron or systemd entry");
                }
            }
            String run = quote(launcher) + " --root " + quote(root.toString()) + " maintain --log";
            // a fixed PATH (not the caller's), with the Java that runs agentctl now
            String path = Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/sbin:/usr/local/bin"
                    + ":/usr/sbin:/usr/bin:/sbin:/bin";
            for (Path f : files(this, fleet)) {
                Files.deleteIfExists(f);
            }
            if (systemd) {
                Path dir = Files.createDirectories(systemdDir(this));
                String u = unit(fleet);
                AtomicFiles.write(
                        dir.resolve(u + ".service"),
                        "[Unit]\nDescription=agentctl maintain for " + root
                                + "\n\n[Service]\nType=oneshot\nEnvironment=\"PATH=" + path + "\"\nExecStart="
                                + unitQuote(launcher) + " --root " + unitQuote(root.toString()) + " maintain --log\n");
                AtomicFiles.write(
                        dir.resolve(u + ".timer"),
                        "[Unit]\nDescription=agentctl maintain every " + every
                                + " for " + root + "\n\n[Timer]\nOnBootSec=2m\nOnUnitActiveSec=" + d.toSeconds()
                                + "s\n\n[Install]\nWantedBy=timers.target\n");
                out().println("Installed " + dir.resolve(u + ".timer") + ". Start it: systemctl daemon-reload &&"
                        + " systemctl enable --now " + u + ".timer");
            } else {
                Path dir = Files.createDirectories(cronDir(this));
                Path f = dir.resolve(unit(fleet));
                // cron.d: root-owned, not group- or world-writable, no dot in the name, or cron ignores it
                AtomicFiles.write(
                        f,
                        "# agentctl maintain for " + root + " (agentctl schedule install; remove: agentctl"
                                + " schedule remove)\nSHELL=/bin/sh\nPATH=" + path + "\n" + times + " root " + run
                                + " >/dev/null 2>&1\n",
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                out().println("Installed " + f + ": maintain runs " + times + " (every " + every + "); its reports go"
                        + " to " + fleet.stateDir().resolve("logs/maintain.log"));
            }
            return 0;
        }
    }

    /** A systemd unit argument: double-quoted, with $ doubled (% is refused before). */
    static String unitQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "$$") + "\"";
    }

    static String quote(String s) {
        return s.matches("[A-Za-z0-9_./=:-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    @Command(name = "status", description = "Whether an entry is installed, and the last maintain run.")
    static final class Status extends BaseCommand {
        @Override
        public Integer call() throws IOException {
            Fleet fleet = fleet();
            boolean any = false;
            for (Path f : files(this, fleet)) {
                if (Files.isRegularFile(f)) {
                    any = true;
                    out().println("installed: " + f);
                }
            }
            if (!any) {
                out().println("not installed: agentctl schedule install");
            }
            var s = dev.agentctl.ops.MaintainState.load(fleet);
            out().println(
                            s.lastRun == 0
                                    ? "last maintain: never"
                                    : "last maintain: " + java.time.Instant.ofEpochSecond(s.lastRun) + ", "
                                            + s.lastResult + " (" + s.lastDurationMillis + " ms)");
            return any ? 0 : AgentctlException.FAILED;
        }
    }

    @Command(name = "remove", description = "Remove the entry (nothing else changes).")
    static final class Remove extends BaseCommand {
        @Override
        public Integer call() throws IOException {
            Fleet fleet = fleet();
            int n = 0;
            for (Path f : files(this, fleet)) {
                n += Files.deleteIfExists(f) ? 1 : 0;
            }
            out().println(n == 0 ? "Nothing was installed." : "Removed the schedule of " + fleet.root() + ".");
            return 0;
        }
    }
}
