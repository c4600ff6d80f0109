package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.BackupCatalog;
import dev.agentctl.backup.BackupVerifier;
import dev.agentctl.backup.Manifest;
import dev.agentctl.backup.Pruner;
import dev.agentctl.backup.Restorer;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.SessionFiles;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.runtime.RuntimeBuilder;
import dev.agentctl.spec.SpecBuilder;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code agentctl maintain}: one pass of unattended care, safe to run from cron every few minutes (the caller holds
 * the fleet lock). It heals instances that should run and do not (restarted with a backoff and a daily budget; one
 * stopped with {@code agentctl stop} is left alone), backs up what is due, prunes by the policy, verifies one archive
 * per run in rotation, now and then restores one into a throwaway folder, checks the disks, reports a stale runtime,
 * and notifies once per change of any of these. With {@code dryRun} it only says what it would do.
 */
public final class Maintain {
    /** One line of the report: what was checked, of what, and how it stands. */
    public record Item(String check, String subject, String status, String message, String condition) {
        Item(String check, String subject, String status, String message) {
            this(check, subject, status, message, null);
        }

        boolean needsPerson() {
            return status.equals("fail");
        }
    }

    /** The whole run; {@code ok} false means something needs a person (exit 4). */
    public record Report(
            Instant startedAt,
            long durationMs,
            boolean dryRun,
            boolean ok,
            List<Item> items,
            List<Notifier.Event> notified,
            List<String> notifyFailures) {}

    private final Fleet fleet;
    private final FleetContainers containers;
    private final Clock clock;
    private final Duration healthTimeout;
    private final HealthWait.Sleeper sleeper;

    public Maintain(
            Fleet fleet, FleetContainers containers, Clock clock, Duration healthTimeout, HealthWait.Sleeper sleeper) {
        this.fleet = fleet;
        this.containers = containers;
        this.clock = clock;
        this.healthTimeout = healthTimeout;
        this.sleeper = sleeper;
    }

    public Report run(boolean dryRun) {
        Instant start = clock.instant();
        MaintainState state = MaintainState.load(fleet);
        List<Item> items = new ArrayList<>();
        Map<String, Item> conditions = new LinkedHashMap<>();
        List<Notifier.Event> events = new ArrayList<>();
        phase("health", items, conditions, () -> heal(state, dryRun, items, conditions, events));
        phase("backup", items, conditions, () -> backups(state, dryRun, items, conditions));
        phase("sessions", items, conditions, () -> sessions(dryRun, items, conditions));
        phase("disk", items, conditions, () -> disks(items, conditions));
        phase("runtime", items, conditions, () -> runtime(items));
        carryOver(state.conditions, conditions, items);
        events.addAll(changes(state.conditions, conditions));
        List<String> failures = new ArrayList<>();
        boolean ok = items.stream().noneMatch(Item::needsPerson);
        long took = Duration.between(start, clock.instant()).toMillis();
        if (!dryRun) {
            failures =
                    new Notifier(fleet.config().notifications(), fleet.config().name()).send(events);
            boolean nobodyTold = !events.isEmpty()
                    && !failures.isEmpty()
                    && failures.size() == fleet.config().notifications().targets();
            if (!nobodyTold) { // else the same changes are sent again next run
                state.conditions = new LinkedHashMap<>();
                conditions.forEach((k, v) -> state.conditions.put(k, word(v)));
            }
            state.lastRun = start.getEpochSecond();
            state.lastResult = ok ? "ok" : "needs attention";
            state.lastDurationMillis = took;
            try {
                state.save(fleet);
            } catch (IOException | RuntimeException e) {
                items.add(new Item("state", fleet.stateDir().toString(), "fail", "cannot save: " + e.getMessage()));
                ok = false;
            }
            String textfile = fleet.config().maintain().metricsTextfile();
            Path target = textfile == null
                    ? null
                    : fleet.root().resolve(textfile).toAbsolutePath().normalize();
            if (target != null
                    && target.startsWith(fleet.instancesDir().toAbsolutePath().normalize())) {
                items.add(new Item(
                        "metrics", textfile, "warn", "not written: it is inside instances/, which agents write"));
            } else if (target != null) { // after the state, so that the file carries this run
                try {
                    AtomicFiles.write(
                            target,
                            Metrics.collect(fleet, containers, clock.instant()),
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                } catch (RuntimeException e) {
                    items.add(new Item("metrics", textfile, "warn", "cannot write: " + e.getMessage()));
                }
            }
        }
        return new Report(start, took, dryRun, ok, items, events, failures);
    }

    /** One phase; an error in it is a failure of its own, and the other phases still run. */
    private static void phase(String check, List<Item> items, Map<String, Item> conditions, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException e) {
            fail(items, conditions, check, "maintain", "could not check: " + e.getMessage());
        }
    }

    /** Archives verified and restore tests run now and then: a failure of one not checked this run still stands. */
    private void carryOver(Map<String, String> before, Map<String, Item> now, List<Item> items) {
        List<Item> still = new ArrayList<>();
        before.forEach((k, was) -> {
            boolean rotating = k.endsWith(" verify") || k.endsWith(" restore-test");
            String check = k.substring(k.lastIndexOf(' ') + 1);
            String subject = k.substring(0, k.lastIndexOf(' '));
            boolean checked = items.stream()
                    .anyMatch(i -> i.subject().equals(subject) && i.check().equals(check));
            if (rotating && !checked && archiveNames.contains(subject)) {
                String[] w = was.split(" ", 2);
                Item it = new Item(
                        check, subject, w[0], "still failing (found by an earlier run)", w.length > 1 ? w[1] : null);
                now.put(k, it);
                still.add(it);
            }
        });
        items.addAll(still);
    }

    /** The archive file names seen by this run (a failure of an archive since removed has cleared). */
    private final java.util.Set<String> archiveNames = new java.util.HashSet<>();

    // ------------------------------------------------------------------------------------------------------ heal

    private void heal(
            MaintainState state,
            boolean dryRun,
            List<Item> items,
            Map<String, Item> conditions,
            List<Notifier.Event> events) {
        FleetConfig.Maintain cfg = fleet.config().maintain();
        Instant now = clock.instant();
        for (StatusReport.Row row : StatusReport.collect(fleet, containers, List.of(), false)) {
            if (StatusReport.ORPHAN.equals(row.state())) {
                continue; // not an instance: status and doctor report it
            }
            if (!row.bad()) {
                items.add(new Item("health", row.name(), "ok", row.state() + ", " + row.health()));
                continue;
            }
            String what = row.problem() != null
                    ? "unreadable: " + row.problem()
                    : row.degraded().isEmpty()
                            ? (row.health().equals("-") ? row.state() : row.health())
                                    + (row.exitCode() != null ? " (exit " + row.exitCode() + ")" : "")
                            : "degraded: " + String.join("; ", row.degraded());
            if (row.problem() != null) {
                fail(items, conditions, "health", row.name(), what + "; fix its files by hand");
                continue;
            }
            if (!row.degraded().isEmpty()) { // its settings, not its process: a restart changes nothing
                fail(items, conditions, "health", row.name(), what, "degraded");
                continue;
            }
            List<Long> recent = state.recentRestarts(row.name(), now);
            if (recent.size() >= cfg.restartsPerDay()) {
                fail(
                        items,
                        conditions,
                        "health",
                        row.name(),
                        what + "; gave up healing after " + recent.size() + " restarts in 24 h (see agentctl logs "
                                + row.name() + ")",
                        "gave-up");
                continue;
            }
            if (!recent.isEmpty()) {
                long wait = cfg.backoff().getSeconds() << Math.min(recent.size() - 1, 10);
                long next = recent.get(recent.size() - 1) + Math.min(wait, 3600);
                if (now.getEpochSecond() < next) {
                    fail(
                            items,
                            conditions,
                            "health",
                            row.name(),
                            what + "; restarts again after " + Instant.ofEpochSecond(next) + " (" + recent.size()
                                    + " today)");
                    continue;
                }
            }
            if (dryRun) {
                items.add(new Item("health", row.name(), "warn", what + "; would restart it"));
                continue;
            }
            recent.add(now.getEpochSecond());
            try {
                state.save(fleet); // the budget counts this restart even if this run dies during it
            } catch (IOException | RuntimeException e) {
                fail(
                        items,
                        conditions,
                        "state",
                        "maintain",
                        "cannot save its state, so it does not restart: " + e.getMessage());
                continue;
            }
            String result = restart(row.name());
            if (result == null) {
                String msg = row.name() + " was " + what + "; restarted (" + recent.size() + " of "
                        + cfg.restartsPerDay() + " today), healthy again";
                items.add(new Item("health", row.name(), "done", msg));
                events.add(new Notifier.Event(row.name() + " health", "ok", msg));
            } else {
                fail(
                        items,
                        conditions,
                        "health",
                        row.name(),
                        what + "; restarted (" + recent.size() + " of " + cfg.restartsPerDay() + " today) but "
                                + result);
            }
        }
    }

    /** Restarts (or starts, or creates) an instance and waits for it: null when it is healthy and ready. */
    private String restart(String name) {
        try {
            Instance inst = fleet.load(name);
            Optional<ContainerInfo> c = containers.find(name);
            if (c.isPresent() && c.get().running()) {
                containers.engine().restart(c.get().id(), UpService.STOP_TIMEOUT);
            } else {
                List<UpExecutor.Outcome> o = new UpService(fleet, containers, (i, w) -> {})
                        .up(
                                List.of(inst),
                                new UpService.Options(false, healthTimeout, UpService.STOP_TIMEOUT),
                                new AtomicBoolean());
                if (!o.get(0).ok()) {
                    return o.get(0).result();
                }
            }
            var spec = SpecBuilder.build(fleet, inst);
            HealthWait.Result r = new HealthWait(containers.engine(), clock, sleeper)
                    .await(spec.containerName(), spec.healthcheck(), healthTimeout);
            if (r.verdict() != HealthWait.Verdict.HEALTHY) {
                return "it is " + r.verdict().word();
            }
            Readiness.Verdict ready = Readiness.of(containers.engine(), r.last());
            return ready.degraded() ? "it is degraded: " + String.join("; ", ready.problems()) : null;
        } catch (AgentctlException e) {
            return e.getMessage();
        }
    }

    // --------------------------------------------------------------------------------------------------- backups

    private void backups(MaintainState state, boolean dryRun, List<Item> items, Map<String, Item> conditions) {
        FleetConfig.Backups cfg = fleet.config().backups();
        Path dir = fleet.backupsDir();
        Instant now = clock.instant();
        if (cfg.every() != null) {
            List<Instance> due = new ArrayList<>();
            for (Fleet.Loaded l : fleet.loadAll()) {
                if (l.instance() == null) {
                    continue;
                }
                Optional<Instant> newest = BackupCatalog.newest(dir, l.name()).map(BackupCatalog.Backup::createdAt);
                if (newest.isEmpty() || !newest.get().plus(cfg.every()).isAfter(now)) {
                    due.add(l.instance());
                } else {
                    items.add(new Item(
                            "backup",
                            l.name(),
                            "ok",
                            "last " + newest.get() + ", next after "
                                    + newest.get().plus(cfg.every())));
                }
            }
            if (dryRun) {
                due.forEach(i -> items.add(new Item("backup", i.name(), "warn", "due: would back it up")));
            } else if (!due.isEmpty()) {
                for (BackupService.Report r : new BackupService(fleet, containers).backup(due, dir, cfg.mode())) {
                    if (r.error() == null) {
                        items.add(new Item("backup", r.instance(), "done", "backed up to " + r.archive()));
                    } else {
                        fail(items, conditions, "backup", r.instance(), "backup failed: " + r.error());
                    }
                }
            }
        }
        try {
            Pruner.Outcome o = Pruner.prune(dir, List.of(), BackupService.policy(cfg), dryRun);
            if (o.removed() > 0) {
                items.add(new Item(
                        "prune",
                        dir.toString(),
                        "done",
                        (dryRun ? "would remove " : "removed ") + o.removed() + " backup(s)"));
            }
            o.problems().forEach(p -> fail(items, conditions, "prune", dir.toString(), p));
        } catch (IOException e) {
            fail(items, conditions, "prune", dir.toString(), e.getMessage());
        }
        List<Path> archives;
        try {
            archives = Files.isDirectory(dir) ? BackupCatalog.archives(dir) : List.of();
        } catch (IOException e) {
            fail(items, conditions, "verify", dir.toString(), "cannot list: " + e.getMessage());
            return;
        }
        if (archives.isEmpty()) {
            return;
        }
        archives = archives.stream().sorted().toList();
        archives.forEach(a -> archiveNames.add(a.getFileName().toString()));
        Path one = archives.get(Math.floorMod(state.verifyCursor, archives.size()));
        BackupVerifier.Result v = BackupVerifier.check(one);
        if (v.ok()) {
            items.add(new Item(
                    "verify", one.getFileName().toString(), "ok", v.entries() + " entries, every checksum matches"));
        } else {
            fail(
                    items,
                    conditions,
                    "verify",
                    one.getFileName().toString(),
                    "does not verify: " + String.join("; ", v.problems()));
        }
        if (!dryRun) {
            state.verifyCursor = Math.floorMod(state.verifyCursor + 1, archives.size());
            String instance = one.getParent().getFileName().toString();
            state.verifyOk.put(instance, v.ok());
            state.verifyAt.put(instance, now.getEpochSecond());
        }
        if (!dryRun
                && now.getEpochSecond() - state.lastRestoreTest
                        >= cfg.restoreTestEvery().getSeconds()) {
            Path newest = archives.stream()
                    .max(Comparator.comparing(p -> p.getFileName().toString().replaceAll("^.*-(\\d{8}T)", "$1")))
                    .orElseThrow();
            restoreTest(newest, items, conditions);
            state.lastRestoreTest = now.getEpochSecond();
        }
    }

    /** Restores an archive into a throwaway folder and reads it as an instance; the folder is removed after. */
    private void restoreTest(Path archive, List<Item> items, Map<String, Item> conditions) {
        Path tmp = fleet.stateDir()
                .resolve("restore-test-" + ProcessHandle.current().pid());
        try {
            Files.createDirectories(fleet.stateDir());
            // room for the copy, leaving half the free space: a restore test never fills the disk
            long free = Files.getFileStore(fleet.stateDir()).getUsableSpace() / 2;
            Manifest m = Restorer.restore(
                    archive,
                    tmp,
                    new dev.agentctl.backup.ArchiveCheck.Limits(
                            dev.agentctl.backup.ArchiveCheck.Limits.DEFAULT_ENTRIES,
                            dev.agentctl.backup.ArchiveCheck.Limits.DEFAULT_BYTES,
                            free));
            Instance i = fleet.loadFrom(tmp, m.instance());
            items.add(new Item(
                    "restore-test",
                    archive.getFileName().toString(),
                    "ok",
                    "restored and read as " + i.name() + " (port " + i.port() + ")"));
        } catch (IOException | AgentctlException e) {
            fail(
                    items,
                    conditions,
                    "restore-test",
                    archive.getFileName().toString(),
                    "restore test failed: " + e.getMessage());
        } finally {
            AtomicFiles.deleteTree(tmp);
        }
    }

    // ----------------------------------------------------------------------------------------------------- disks

    private void disks(List<Item> items, Map<String, Item> conditions) {
        FleetConfig.Maintain cfg = fleet.config().maintain();
        Map<String, Path> places = new LinkedHashMap<>();
        places.put("fleet root", fleet.root());
        places.put("backups", fleet.backupsDir());
        try {
            String dataRoot = containers.engine().info().dataRoot();
            if (dataRoot != null && !dataRoot.isEmpty()) {
                places.put("docker data root", Path.of(dataRoot));
            }
        } catch (RuntimeException e) {
            // an engine that does not say: only the fleet's own disks
        }
        List<FileStore> seen = new ArrayList<>();
        for (var e : places.entrySet()) {
            Path p = existing(e.getValue());
            if (p == null) {
                continue;
            }
            try {
                FileStore fs = Files.getFileStore(p);
                if (seen.contains(fs)) {
                    continue;
                }
                seen.add(fs);
                int used = percentUsed(fs);
                if (used < 0) {
                    continue;
                }
                String msg = e.getKey() + " " + p + ": " + used + "% used";
                if (used >= cfg.diskCritical()) {
                    fail(items, conditions, "disk", e.getKey(), msg + " (critical at " + cfg.diskCritical() + "%)");
                } else if (used >= cfg.diskWarn()) {
                    Item it = new Item("disk", e.getKey(), "warn", msg + " (warns at " + cfg.diskWarn() + "%)");
                    items.add(it);
                    conditions.put(e.getKey() + " disk", it);
                } else {
                    items.add(new Item("disk", e.getKey(), "ok", msg));
                }
            } catch (IOException ex) {
                items.add(new Item("disk", e.getKey(), "warn", "cannot read " + p + ": " + ex.getMessage()));
            }
        }
    }

    // -------------------------------------------------------------------------------------------------- sessions

    /** A session active within this long is never archived to keep a budget: the agent may be in it. */
    static final Duration ACTIVE = Duration.ofHours(1);

    /** Sessions archived per instance and run at most: the rest wait for the next run, not the lock for hours. */
    static final int MAX_PER_RUN = 10_000;

    /**
     * sessions.archiveAfter and sessions.budget: idle sessions are archived, then, while an instance's files hold
     * more than the budget, its oldest sessions (none active within the last hour); what is still over is a warning.
     */
    private void sessions(boolean dryRun, List<Item> items, Map<String, Item> conditions) {
        FleetConfig.Sessions cfg = fleet.config().sessions();
        Instant now = clock.instant();
        List<Fleet.Loaded> all = fleet.loadAll();
        boolean wanted = cfg.archiveAfter() != null
                || all.stream()
                        .anyMatch(l ->
                                l.instance() != null && l.instance().effectiveSessionsBudget(fleet.config()) != null);
        if (!wanted) {
            return;
        }
        Integer full = usedPercent(fleet.backupsDir());
        if (full != null && full >= fleet.config().maintain().diskWarn()) {
            // an agent writing old-looking sessions must not fill the disk its backups need
            Item it = new Item(
                    "sessions",
                    fleet.backupsDir().toString(),
                    "warn",
                    "not archiving sessions: the backups' disk is " + full + "% used (maintain.disk.warn is "
                            + fleet.config().maintain().diskWarn() + "%)");
            items.add(it);
            conditions.put("sessions disk", it);
            return;
        }
        SessionService service = new SessionService(fleet, containers);
        for (Fleet.Loaded l : all) {
            Instance i = l.instance();
            if (i == null) {
                continue; // the health phase names it
            }
            Long budget = i.effectiveSessionsBudget(fleet.config());
            if ((cfg.archiveAfter() == null && budget == null)
                    || i.effectiveStorage(fleet.config()) == dev.agentctl.fleet.Storage.VOLUME) {
                // sessions are moved on the host: not those in volumes
                continue;
            }
            try {
                SessionFiles.Listing list = SessionFiles.list(i.dir());
                java.util.Set<SessionFiles.Session> chosen = new java.util.LinkedHashSet<>(
                        cfg.archiveAfter() == null
                                ? List.of()
                                : SessionService.idle(list, cfg.archiveAfter(), now).stream()
                                        .limit(MAX_PER_RUN)
                                        .toList());
                long over = budget == null
                        ? 0
                        : SessionFiles.usage(i.dir())
                                - budget
                                - chosen.stream().mapToLong(x -> x.bytes()).sum();
                for (var x : list.sessions()) { // oldest first
                    if (over <= 0 || chosen.size() >= MAX_PER_RUN) {
                        break;
                    }
                    if (!chosen.contains(x) && x.lastActivity().isBefore(now.minus(ACTIVE))) {
                        chosen.add(x);
                        over -= x.bytes();
                    }
                }
                long bytes = chosen.stream().mapToLong(x -> x.bytes()).sum();
                if (dryRun) {
                    if (!chosen.isEmpty()) {
                        items.add(new Item(
                                "sessions",
                                i.name(),
                                "done",
                                "would archive " + chosen.size() + " session(s), " + bytes + " bytes"));
                    }
                } else if (!chosen.isEmpty()) {
                    SessionService.Archived a = service.archive(i, List.copyOf(chosen));
                    items.add(new Item(
                            "sessions",
                            i.name(),
                            "done",
                            "archived " + a.sessions() + " session(s), " + a.bytes() + " bytes, into " + a.archive()));
                }
                if (over > 0) {
                    Item it = new Item(
                            "sessions",
                            i.name(),
                            "warn",
                            "its files hold " + (budget + over) + " bytes, over its sessions.budget of "
                                    + budget + " even without the sessions agentctl may archive"
                                    + " (see agentctl sessions " + i.name() + ")");
                    items.add(it);
                    conditions.put(i.name() + " budget", it);
                }
            } catch (IOException | RuntimeException e) {
                fail(items, conditions, "sessions", i.name(), "archiving sessions failed: " + e.getMessage());
            }
        }
    }

    /** {@code p}, or its nearest parent that exists (a backups folder not made yet); null when none does. */
    static Path existing(Path p) {
        Path at = p.toAbsolutePath();
        while (at != null && !Files.exists(at)) {
            at = at.getParent();
        }
        return at;
    }

    /** How full a file system is, in percent of its size; -1 when it does not say. */
    static int percentUsed(FileStore fs) throws IOException {
        long total = fs.getTotalSpace();
        return total <= 0 ? -1 : (int) Math.round(100.0 * (total - fs.getUsableSpace()) / total);
    }

    /** How full the file system of {@code p} (or of its nearest existing parent) is, in percent; null: unknown. */
    private static Integer usedPercent(Path p) {
        try {
            int used = percentUsed(Files.getFileStore(existing(p)));
            return used < 0 ? null : used;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void runtime(List<Item> items) {
        try {
            Map<String, Object> s = new RuntimeBuilder(fleet, containers.engine()).status();
            if (Boolean.TRUE.equals(s.get("stale"))) {
                items.add(new Item(
                        "runtime",
                        String.valueOf(s.get("id")),
                        "warn",
                        "its source changed since the build: agentctl runtime build, then agentctl up"));
            }
        } catch (RuntimeException e) {
            items.add(new Item("runtime", "-", "warn", e.getMessage()));
        }
    }

    // ---------------------------------------------------------------------------------------------- conditions

    private static void fail(List<Item> items, Map<String, Item> conditions, String check, String subject, String msg) {
        fail(items, conditions, check, subject, msg, check);
    }

    /** A failure that lasts until it clears: {@code condition} names its kind, a new kind is a new change. */
    private static void fail(
            List<Item> items,
            Map<String, Item> conditions,
            String check,
            String subject,
            String msg,
            String condition) {
        Item it = new Item(check, subject, "fail", msg, condition);
        items.add(it);
        conditions.put(subject + " " + check, it);
    }

    private static String word(Item it) {
        return it.status() + " " + (it.condition() == null ? it.check() : it.condition());
    }

    /** What began and what ended since the last run: each is said once, not every run it lasts. */
    static List<Notifier.Event> changes(Map<String, String> before, Map<String, Item> now) {
        List<Notifier.Event> out = new ArrayList<>();
        now.forEach((k, it) -> {
            String was = before.get(k);
            if (!word(it).equals(was)) {
                out.add(new Notifier.Event(k, it.status(), it.subject() + ": " + it.message()));
            }
        });
        before.forEach((k, was) -> {
            if (!now.containsKey(k)) {
                out.add(new Notifier.Event(k, "ok", "cleared: " + k + " is fine again"));
            }
        });
        return out;
    }
}
