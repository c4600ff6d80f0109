package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.BackupCatalog;
import dev.agentctl.backup.BackupVerifier;
import dev.agentctl.backup.Pruner;
import dev.agentctl.backup.Retention;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.Engines;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Validate;
import dev.agentctl.ops.BackupService;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.Holds;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "backup",
        description = "Back up instances: one verified archive per instance, consistent while it runs.",
        subcommands = {BackupCommand.ListBackups.class, BackupCommand.Verify.class, BackupCommand.Prune.class},
        footer = {
            "",
            "Examples:",
            "  agentctl backup                  # every instance, pausing each while it is read",
            "  agentctl backup alice --mode stop --to /mnt/backups",
            "  agentctl backup list alice",
            "  agentctl backup verify --all",
            "  agentctl backup prune --keep-daily 7 --keep-weekly 4 --dry-run"
        })
final class BackupCommand extends BaseCommand {
    static final Duration LOCK_WAIT = Duration.ofMinutes(10);

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
    List<String> names = List.of();

    @Option(names = "--all", description = "Every instance (the default when no NAME is given).")
    boolean all;

    @Mixin
    BackupsDir dir;

    @Option(names = "--mode", paramLabel = "MODE", description = "pause (default from fleet.yaml), stop or online.")
    String mode;

    @Override
    public Integer call() {
        Fleet fleet = fleet();
        String m = mode != null ? mode : fleet.config().backups().mode();
        if (!BackupService.MODES.contains(m)) {
            throw AgentctlException.badInput("invalid --mode '" + m + "': use pause, stop or online");
        }
        if (all && !names.isEmpty()) {
            throw AgentctlException.badInput("give instance names or --all, not both");
        }
        List<Fleet.Loaded> instances = names.isEmpty()
                ? fleet.loadAll()
                : names.stream().distinct().map(n -> named(fleet, n)).toList();
        if (instances.isEmpty()) {
            out().println("No instances to back up.");
            return 0;
        }
        Path to = dir.of(fleet);
        List<BackupService.Report> reports;
        try (FleetLock lock = lock(fleet, LOCK_WAIT);
                ContainerEngine engine = "online".equals(m) ? null : Engines.connect()) {
            FleetContainers containers = engine == null ? null : new FleetContainers(fleet, engine);
            if (containers != null) {
                new Holds(fleet).resumeStale(containers).forEach(this::note);
            }
            out().println("Backing up " + instances.size() + " instance(s) to " + to + " (" + m + " mode)...");
            out().flush();
            for (Fleet.Loaded l : instances) {
                if (l.error() != null) {
                    err().println("agentctl: warning: instance " + l.name()
                            + " is unreadable, backing up its folder anyway: " + l.error());
                }
            }
            reports = new BackupService(fleet, containers).backupFolders(instances, to, m);
        }
        int failed = 0;
        for (BackupService.Report r : reports) {
            if (r.error() != null) {
                failed++;
                err().println("agentctl: backup of " + r.instance() + " failed: " + r.error());
                continue;
            }
            out().printf(
                            "%s: %s (%s, %d files, %s)%n",
                            r.instance(),
                            r.archive(),
                            Table.bytes(r.archiveSize()),
                            r.files(),
                            r.held() != null
                                    ? r.mode() + " held the container for "
                                            + r.held().toMillis() + " ms"
                                    : "online".equals(r.mode()) ? "online, nothing held" : "not running, nothing held");
            r.warnings().forEach(w -> out().println("  warning: " + w));
        }
        boolean unreadable = instances.stream().anyMatch(l -> l.error() != null);
        return failed == 0 && !unreadable ? 0 : AgentctlException.FAILED;
    }

    /** A named instance: the name must be valid and its folder exist; unreadable settings are the caller's to report. */
    private static Fleet.Loaded named(Fleet fleet, String name) {
        Validate.name(name);
        if (!fleet.exists(name)) {
            fleet.require(name); // throws "no instance NAME" with the list of instances
        }
        fleet.requireRealFolder(name);
        try {
            return new Fleet.Loaded(name, fleet.load(name), null);
        } catch (AgentctlException e) {
            return new Fleet.Loaded(name, null, e.getMessage());
        }
    }

    /**
     * An instance name for the backup listings: one with a folder, or one that has backups (of a removed instance);
     * else a clear "no such instance".
     */
    static String instanceOrBackups(Fleet fleet, Path backups, String name) {
        Validate.name(name);
        if (!fleet.exists(name) && !Files.isDirectory(backups.resolve(name))) {
            throw AgentctlException.badInput("no instance '" + name + "' and no backups of one in " + backups
                    + (fleet.instanceNames().isEmpty()
                            ? ""
                            : " (instances: " + String.join(", ", fleet.instanceNames()) + ")"));
        }
        return name;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
    }

    record BackupView(String instance, String createdAt, long size, String path) {}

    @Command(
            name = "list",
            description = "List backups (newest first), from their manifests.",
            footer = {
                "",
                "Examples:",
                "  agentctl backup list",
                "  agentctl backup list alice --json",
                "  agentctl backup list -q | head -1"
            })
    static final class ListBackups extends BaseCommand {
        @Parameters(paramLabel = "NAME", arity = "0..1")
        String name;

        @Mixin
        BackupsDir dir;

        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws IOException {
            Fleet fleet = fleet();
            Path to = dir.of(fleet);
            BackupCatalog.Listing l = name == null
                    ? BackupCatalog.listAll(to)
                    : BackupCatalog.list(to, instanceOrBackups(fleet, to, name));
            output.print(
                    out(),
                    l.backups(),
                    b -> b.archive().toString(),
                    b -> new BackupView(
                            b.instance(),
                            b.createdAt().toString(),
                            b.size(),
                            b.archive().toString()),
                    rows -> {
                        if (rows.isEmpty()) {
                            out().println("No backups" + (name == null ? "" : " of " + name) + " in " + to
                                    + ". Make one: agentctl backup" + (name == null ? "" : " " + name));
                            return;
                        }
                        Table t = new Table("INSTANCE", "CREATED (UTC)", "SIZE", "FILE");
                        rows.forEach(b -> t.row(b.instance(), b.createdAt(), Table.bytes(b.size()), b.archive()));
                        t.print(out());
                    });
            l.problems().forEach(p -> err().println("agentctl: " + p));
            return l.problems().isEmpty() ? 0 : AgentctlException.FAILED;
        }
    }

    @Command(
            name = "verify",
            description = "Read every byte of backups and check every checksum and the manifest.",
            footer = {
                "",
                "Examples:",
                "  agentctl backup verify backups/alice/alice-20261123T070000Z.tar.gz",
                "  agentctl backup verify --all"
            })
    static final class Verify extends BaseCommand {
        @Parameters(
                paramLabel = "FILE|NAME",
                arity = "0..*",
                description = "Backup files, or instances (every backup of each).")
        List<String> given = List.of();

        @Option(names = "--all", description = "Every backup in the backups folder.")
        boolean all;

        @Mixin
        BackupsDir dir;

        @Override
        public Integer call() throws Exception {
            List<Path> targets = new ArrayList<>();
            if (all) {
                targets.addAll(BackupCatalog.archives(dir.of(fleet())));
            } else if (given.isEmpty()) {
                throw AgentctlException.badInput("give backup files or instance names to verify, or --all");
            }
            for (String g : given) {
                Path file = Path.of(g);
                if (Files.isRegularFile(file)) {
                    targets.add(file);
                } else if (!g.contains("/") && !g.contains(".")) {
                    Fleet fleet = fleet();
                    Path to = dir.of(fleet);
                    BackupCatalog.list(to, instanceOrBackups(fleet, to, g)).backups().stream()
                            .map(BackupCatalog.Backup::archive)
                            .forEach(targets::add);
                } else {
                    throw AgentctlException.badInput("no backup file '" + g + "'");
                }
            }
            int bad = 0;
            for (Path f : targets) {
                BackupVerifier.Result r = BackupVerifier.check(f);
                if (r.ok()) {
                    out().println("ok    " + f + " (" + r.entries() + " entries, " + Table.bytes(r.bytes()) + ")");
                } else {
                    bad++;
                    err().println("BAD   " + f + ": " + String.join("; ", r.problems()));
                }
            }
            if (targets.isEmpty()) {
                out().println("No backups to verify.");
            }
            return bad == 0 ? 0 : AgentctlException.FAILED;
        }
    }

    @Command(
            name = "prune",
            description = "Remove backups by a retention policy (restic's forget rules, per instance).",
            footer = {
                "",
                "Rules are ORed; an instance's newest backup and its newest backup that verifies are never removed;",
                "an empty policy removes nothing. Exit 1 if a backup cannot be listed or does not verify.",
                "Without --keep-* options, fleet.yaml backups.keep is used.",
                "",
                "Examples:",
                "  agentctl backup prune --dry-run",
                "  agentctl backup prune alice --keep-last 3 --keep-within 2d"
            })
    static final class Prune extends BaseCommand {
        @Parameters(paramLabel = "NAME", arity = "0..*", description = "Instances (default: all).")
        List<String> names = List.of();

        @Option(names = "--all", description = "Every instance's backups (the default).")
        boolean all;

        @Mixin
        BackupsDir dir;

        @Option(names = "--keep-last", paramLabel = "N")
        Integer last;

        @Option(names = "--keep-hourly", paramLabel = "N")
        Integer hourly;

        @Option(names = "--keep-daily", paramLabel = "N")
        Integer daily;

        @Option(names = "--keep-weekly", paramLabel = "N")
        Integer weekly;

        @Option(names = "--keep-monthly", paramLabel = "N")
        Integer monthly;

        @Option(names = "--keep-yearly", paramLabel = "N")
        Integer yearly;

        @Option(
                names = "--keep-within",
                paramLabel = "D",
                description = "Like 7d or 36h, counted back from the newest backup.")
        String within;

        @Option(
                names = {"-n", "--dry-run"},
                description = "Only print what would be removed.")
        boolean dryRun;

        Retention.Policy policy(FleetConfig.Backups d) {
            for (Integer n : new Integer[] {last, hourly, daily, weekly, monthly, yearly}) {
                if (n != null && n < 0) {
                    throw AgentctlException.badInput("invalid --keep-* value '" + n + "': use 0 or more");
                }
            }
            boolean given = last != null
                    || hourly != null
                    || daily != null
                    || weekly != null
                    || monthly != null
                    || yearly != null
                    || within != null;
            if (!given) {
                return BackupService.policy(d);
            }
            return new Retention.Policy(
                    z(last),
                    z(hourly),
                    z(daily),
                    z(weekly),
                    z(monthly),
                    z(yearly),
                    within == null ? null : Validate.duration("--keep-within", within));
        }

        private static int z(Integer n) {
            return n == null ? 0 : n;
        }

        @Override
        public Integer call() throws Exception {
            Fleet fleet = fleet();
            if (all && !names.isEmpty()) {
                throw AgentctlException.badInput("give instance names or --all, not both");
            }
            Path to = dir.of(fleet);
            names.forEach(n -> instanceOrBackups(fleet, to, n));
            Retention.Policy p = policy(fleet.config().backups());
            Pruner.Outcome o;
            try (FleetLock lock = lock(fleet, LOCK_WAIT)) {
                o = Pruner.prune(to, names, p, dryRun);
            }
            for (Retention.Decision<BackupCatalog.Backup> d : o.decisions()) {
                String file = d.item().archive().getFileName().toString();
                out().println(
                                d.keep()
                                        ? "keep    " + file + "  (" + String.join(", ", d.reasons()) + ")"
                                        : (dryRun ? "would remove " : "remove  ") + file);
            }
            out().println((dryRun ? "Would remove " : "Removed ") + o.removed() + " backup(s).");
            o.problems().forEach(pr -> err().println("agentctl: " + pr));
            return o.problems().isEmpty() ? 0 : AgentctlException.FAILED;
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.LOCKED);
        }
    }
}
