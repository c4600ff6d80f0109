package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.BackupCatalog;
import dev.agentctl.backup.BackupWriter;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.SessionFiles;
import dev.agentctl.fleet.Storage;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.SessionService;
import dev.agentctl.spec.RuntimeRef;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "sessions",
        description = "An instance's conversations: each session's size and last activity, where the runtime's"
                + " nanobot keeps them; archive idle ones beside the backups and restore them.",
        subcommands = {SessionsCommand.Archive.class, SessionsCommand.Restore.class},
        footer = {
            "",
            "Examples:",
            "  agentctl sessions alice",
            "  agentctl sessions archive --all --older-than 30d",
            "  agentctl sessions restore alice backups/alice/sessions/alice-sessions-20261202T101500Z.tar.zst"
        })
final class SessionsCommand extends BaseCommand {
    // optional for picocli, which would else want it before a subcommand too
    @Parameters(paramLabel = "NAME", arity = "0..1", description = "The instance.")
    String name;

    @Option(names = "--json", description = "JSON output.")
    boolean json;

    /** Where the runtime's nanobot keeps sessions: "config", "workspace", or "" when its version is unknown. */
    static String layout(Fleet fleet) {
        RuntimeRef rt = RuntimeRef.current(fleet);
        return rt.exists()
                ? RuntimeRef.info(fleet.runtimeDir().resolve(rt.id()))
                        .path("sessionLayout")
                        .asText("")
                : "";
    }

    @Override
    public Integer call() throws Exception {
        if (name == null) {
            throw AgentctlException.badInput("give an instance: agentctl sessions NAME (or sessions archive, restore)");
        }
        Fleet fleet = fleet();
        Instance i = onHost(fleet, fleet.load(Validate.name(name)));
        SessionFiles.Listing l = list(i);
        List<Path> archives = BackupCatalog.sessionArchives(fleet.backupsDir(), i.name());
        String layout = layout(fleet);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("instance", i.name());
            o.put("layout", layout);
            o.put("count", l.sessions().size());
            o.put("bytes", l.bytes());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (SessionFiles.Session s : l.sessions()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", s.id());
                r.put("path", s.path());
                r.put("layout", s.layout());
                r.put("bytes", s.bytes());
                r.put("lastActivity", s.lastActivity().toString());
                rows.add(r);
            }
            o.put("sessions", rows);
            o.put("archives", archives.stream().map(Path::toString).toList());
            printJson(o);
            return 0;
        }
        Table t = new Table("SESSION", "SIZE", "LAST ACTIVITY", "FOLDER");
        for (SessionFiles.Session s : l.sessions()) {
            t.row(
                    s.id(),
                    Table.bytes(s.bytes()),
                    s.lastActivity().toString(),
                    s.path().substring(0, s.path().lastIndexOf('/')));
        }
        if (!l.sessions().isEmpty()) {
            t.print(out());
        }
        out().println(l.sessions().size() + " session(s), " + Table.bytes(l.bytes())
                + (layout.isEmpty()
                        ? ""
                        : "; the runtime's nanobot keeps them in "
                                + (layout.equals("config") ? "config/sessions/<workspace id>/" : "workspace/sessions/"))
                + "; " + archives.size() + " archive(s) in "
                + BackupWriter.sessionsFolder(fleet.backupsDir(), i.name()));
        return 0;
    }

    /** The sessions are read and moved on the host: an instance in volume storage is refused, naming the way out. */
    static Instance onHost(Fleet fleet, Instance i) {
        if (i.effectiveStorage(fleet.config()) == Storage.VOLUME) {
            throw AgentctlException.badInput(i.name() + " keeps its data in volumes, and agentctl sessions works on"
                    + " folders on the host; agentctl files " + i.name() + " config/sessions lists them, or agentctl"
                    + " convert " + i.name() + " --storage bind");
        }
        return i;
    }

    static SessionFiles.Listing list(Instance i) {
        try {
            return SessionFiles.list(i.dir());
        } catch (IOException e) {
            throw AgentctlException.failed("cannot list the sessions of " + i.name() + ": " + e.getMessage(), e);
        }
    }

    @Command(
            name = "archive",
            description = "Move sessions idle longer than --older-than into a verified archive beside the backups"
                    + " (backups/NAME/sessions/), holding a running instance as a backup does; a session is removed"
                    + " from the live folder only after the archive verifies, and only if it did not change since.",
            footer = {
                "",
                "Examples:",
                "  agentctl sessions archive alice --older-than 30d",
                "  agentctl sessions archive --all --older-than 90d --dry-run"
            })
    static final class Archive extends EngineCommand {
        @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances.")
        List<String> names = List.of();

        @Option(names = "--all", description = "Every instance.")
        boolean all;

        @Option(
                names = "--older-than",
                paramLabel = "D",
                description = "Idle longer than this (30d, 12h); default: sessions.archiveAfter in fleet.yaml.")
        String olderThan;

        @Option(names = "--dry-run", description = "Say what would be archived; change nothing.")
        boolean dryRun;

        @Override
        protected int run(Fleet fleet, FleetContainers containers) throws Exception {
            if (all == !names.isEmpty()) {
                throw AgentctlException.badInput("give instance names or --all");
            }
            Duration age = olderThan != null
                    ? Validate.duration("--older-than", olderThan)
                    : fleet.config().sessions().archiveAfter();
            if (age == null) {
                throw AgentctlException.badInput("give --older-than D (or set sessions.archiveAfter in fleet.yaml)");
            }
            List<Instance> instances = all
                    ? fleet.loadAll().stream()
                            .filter(l -> l.instance() != null)
                            .map(Fleet.Loaded::instance)
                            .filter(i -> i.effectiveStorage(fleet.config()) != Storage.VOLUME)
                            .toList()
                    : names.stream()
                            .distinct()
                            .map(n -> onHost(fleet, fleet.load(Validate.name(n))))
                            .toList();
            int failed = 0;
            try (FleetLock lock = lock(fleet, BackupCommand.LOCK_WAIT)) {
                SessionService service = new SessionService(fleet, containers);
                for (Instance i : instances) {
                    try {
                        List<SessionFiles.Session> idle =
                                SessionService.idle(SessionFiles.list(i.dir()), age, Instant.now());
                        if (dryRun) {
                            out().println(i.name() + ": would archive " + idle.size() + " session(s), "
                                    + Table.bytes(idle.stream()
                                            .mapToLong(SessionFiles.Session::bytes)
                                            .sum())
                                    + (idle.isEmpty()
                                            ? ""
                                            : ": "
                                                    + String.join(
                                                            ", ",
                                                            idle.stream()
                                                                    .map(SessionFiles.Session::id)
                                                                    .toList())));
                        } else {
                            print(service.archive(i, idle), olderThan != null ? olderThan : text(age));
                        }
                    } catch (IOException | AgentctlException e) { // one instance's trouble is not the others'
                        failed++;
                        err().println("agentctl: archiving the sessions of " + i.name() + " failed: "
                                + BackupWriter.describe(e).replaceFirst("^backup of instance \\S+ failed: ", ""));
                    }
                }
            }
            return failed == 0 ? 0 : AgentctlException.FAILED;
        }

        private void print(SessionService.Archived a, String age) {
            if (a.archive() == null) {
                out().println(a.instance() + ": no session idle for more than " + age);
                return;
            }
            out().println(a.instance() + ": archived " + a.sessions() + " session(s), " + Table.bytes(a.bytes())
                    + ", into " + a.archive()
                    + (a.held() == null
                            ? " (not running, nothing held)"
                            : " (held " + a.held().toMillis() + " ms)"));
            a.kept().forEach(k -> out().println("  kept " + k + ": it changed after it was archived"));
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
        }
    }

    @Command(
            name = "restore",
            description = "Put sessions from an archive made by 'sessions archive' back where the instance's agent"
                    + " reads them; never over a live session of the same name.",
            footer = {
                "",
                "Examples:",
                "  agentctl sessions restore alice backups/alice/sessions/alice-sessions-20261202T101500Z.tar.zst",
                "  agentctl sessions restore alice ARCHIVE telegram_12345"
            })
    static final class Restore extends EngineCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The instance.")
        String name;

        @Parameters(index = "1", paramLabel = "ARCHIVE", description = "An archive of sessions.")
        Path archive;

        @Parameters(index = "2..*", paramLabel = "SESSION", description = "Only these sessions (default: all).")
        List<String> sessions = List.of();

        @Override
        protected int run(Fleet fleet, FleetContainers containers) {
            Instance i = onHost(fleet, fleet.load(Validate.name(name)));
            try (FleetLock lock = lock(fleet)) {
                SessionService.Restored r =
                        new SessionService(fleet, containers).restore(i, archive, sessions, layout(fleet));
                out().println(i.name() + ": restored " + r.sessions().size() + " session(s), " + Table.bytes(r.bytes())
                        + ", into " + r.folder());
                return 0;
            } catch (IOException e) {
                throw dev.agentctl.ops.RestoreService.failure("restore sessions from", archive, e);
            }
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
        }
    }

    /** 30d, 12h or 90m, as fleet.yaml would say it. */
    static String text(Duration d) {
        return d.toMinutes() % (24 * 60) == 0
                ? d.toDays() + "d"
                : d.toMinutes() % 60 == 0 ? d.toHours() + "h" : d.toMinutes() + "m";
    }
}
