package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.Version;
import dev.agentctl.backup.BackupWriter;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.Engines;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Storage;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.Compression;
import dev.agentctl.io.UntrustedDir;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.RuntimeRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code agentctl backup}: one archive per instance, taken consistently while it runs. pause freezes the container
 * only while its files are read and always unpauses (also on error or Ctrl-C); stop stops it and starts again
 * exactly what it stopped; online touches nothing. Every hold is recorded in .agentctl/holds before it begins, so a
 * killed run's holds are given back by the next command.
 */
public final class BackupService {
    public static final List<String> MODES = List.of("pause", "stop", "online");
    public static final int PARALLEL = 2;

    /**
     * What happened for one instance; {@code error} is null when the archive was written. {@code held} is how long
     * the container was paused or stopped, null when nothing was held (online, or no running container).
     */
    public record Report(
            String instance,
            Path archive,
            long archiveSize,
            long bytesRead,
            int files,
            Duration held,
            String mode,
            String error,
            List<String> warnings) {}

    private final Fleet fleet;
    private final FleetContainers containers;
    private final Holds holds;
    /** Containers this run holds; a shutdown hook gives them back on Ctrl-C. */
    private final Set<Held> held = ConcurrentHashMap.newKeySet();

    private record Held(String id, Holds.Mode mode) {}

    /** {@code containers} may be null for online backups (no engine needed). */
    public BackupService(Fleet fleet, FleetContainers containers) {
        this.fleet = fleet;
        this.containers = containers;
        this.holds = new Holds(fleet);
    }

    /** Backs up readable instances; see {@link #backupFolders}. */
    /** fleet.yaml's retention policy (backups.keep). */
    public static dev.agentctl.backup.Retention.Policy policy(dev.agentctl.fleet.FleetConfig.Backups d) {
        return new dev.agentctl.backup.Retention.Policy(
                d.keepLast(),
                d.keepHourly(),
                d.keepDaily(),
                d.keepWeekly(),
                d.keepMonthly(),
                d.keepYearly(),
                d.keepWithin() == null ? null : dev.agentctl.fleet.Validate.duration(d.keepWithin()));
    }

    public List<Report> backup(List<Instance> instances, Path to, String mode) {
        return backupFolders(
                instances.stream().map(i -> new Fleet.Loaded(i.name(), i, null)).toList(), to, mode);
    }

    /**
     * One archive per instance folder, also of folders whose settings cannot be read ({@code instance} null: the
     * manifest's port and model are null then). A failure of one instance is its report's error and never stops the
     * others. When the engine was unreachable for any of them, that is thrown (exit 3), but only after every worker
     * finished and every container this run held was given back.
     */
    public List<Report> backupFolders(List<Fleet.Loaded> instances, Path to, String mode) {
        if (!MODES.contains(mode)) {
            throw AgentctlException.badInput("invalid --mode '" + mode + "': use pause, stop or online");
        }
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        Thread hook = new Thread(() -> {
            if (held.isEmpty()) {
                return;
            }
            try (ContainerEngine e = Engines.connect()) {
                release(e);
            } catch (RuntimeException ignored) {
                // engine gone: the hold records let the next command give them back
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        List<AgentctlException> unreachable = new CopyOnWriteArrayList<>();
        List<Report> out = new ArrayList<>();
        try {
            List<Future<Report>> futures = new ArrayList<>();
            for (Fleet.Loaded i : instances) {
                futures.add(pool.submit(() -> one(i, to, mode, unreachable)));
            }
            for (Future<Report> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AgentctlException.failed("interrupted", e);
        } finally {
            // let every worker finish (no interrupt: one may hold a paused container), then give back what is left
            pool.shutdown();
            awaitTermination(pool);
            if (containers != null) {
                release(containers.engine());
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs
            }
        }
        if (!unreachable.isEmpty()) {
            throw unreachable.get(0);
        }
        return out;
    }

    private static void awaitTermination(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Never throws: a failure is the report's error; an unreachable engine is also added to {@code unreachable}. */
    private Report one(Fleet.Loaded loaded, Path to, String mode, List<AgentctlException> unreachable) {
        String name = loaded.name();
        Instance i = loaded.instance();
        try {
            fleet.requireRealFolder(name);
            Optional<ContainerInfo> c = containers == null ? Optional.empty() : containers.find(name);
            BackupWriter.Metadata meta = metadata(fleet, name, i, c);
            Path dir = fleet.instanceDir(name);
            BackupWriter writer = new BackupWriter(
                    java.time.Clock.systemUTC(),
                    Compression.parse(fleet.config().backups().compression()));
            BackupWriter.Result r;
            Duration held;
            if (i != null && i.effectiveStorage(fleet.config()) == Storage.VOLUME) {
                Path staging = Files.createTempDirectory(
                        fleet.instancesDir(),
                        ".backup-" + name + "-",
                        PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
                try {
                    held = drain(i, dir, staging, quiescer(c, name, mode));
                    r = writer.write(staging, to, meta, BackupWriter.Quiescer.none());
                } finally {
                    UntrustedDir.deleteTree(staging);
                }
            } else {
                r = writer.write(dir, to, meta, quiescer(c, name, mode));
                held = r.quiesced();
            }
            return new Report(
                    name,
                    r.archive(),
                    r.archiveSize(),
                    r.bytesRead(),
                    r.fileCount(),
                    holds(c, mode) ? held : null,
                    mode,
                    null,
                    r.warnings());
        } catch (IOException | RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof EngineException a && a.kind() == EngineException.Kind.UNREACHABLE) {
                    unreachable.add(a);
                    break;
                }
            }
            String why = BackupWriter.describe(e);
            // callers say which instance failed; the writer's own prefix would repeat it
            why = why.replaceFirst("^backup of instance " + java.util.regex.Pattern.quote(name) + " failed: ", "");
            return new Report(name, null, 0, 0, 0, null, mode, why, List.of());
        } catch (StackOverflowError | OutOfMemoryError e) {
            // one instance's tree must not take the others' backups down with it
            return new Report(name, null, 0, 0, 0, null, mode, "its files could not be read (" + e + ")", List.of());
        }
    }

    /**
     * An instance in volume storage as a bind folder in {@code staging}: its files on the host (instance.yaml, .env,
     * ...) and its data read out through the engine while the container is held. Returns how long it was held.
     */
    private Duration drain(Instance i, Path dir, Path staging, BackupWriter.Quiescer quiescer) throws IOException {
        if (containers == null) {
            throw new IllegalStateException("a backup of volume storage needs the engine");
        }
        try (var list = Files.list(dir)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                if (Files.isRegularFile(
                        p, LinkOption.NOFOLLOW_LINKS)) { // agentctl's own files; config.json comes below
                    Files.copy(
                            p,
                            staging.resolve(p.getFileName()),
                            LinkOption.NOFOLLOW_LINKS,
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        long start = System.nanoTime();
        try (AutoCloseable held = quiescer.quiesce()) {
            new InstanceVolumes(fleet, containers.engine()).drain(i, staging);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * What a manifest says about the instance besides its files: the runtime its container runs (else the current
     * one), and so the agent that wrote the data and where it keeps its sessions. {@code i} null: unreadable settings.
     */
    static BackupWriter.Metadata metadata(Fleet fleet, String name, Instance i, Optional<ContainerInfo> c) {
        String runtime = c.map(x -> x.label(ContainerSpec.LABEL_RUNTIME))
                .orElse(RuntimeRef.current(fleet).id());
        com.fasterxml.jackson.databind.JsonNode build =
                RuntimeRef.info(fleet.runtimeDir().resolve(runtime));
        String agentVersion = build.path("agentVersion").asText("");
        return new BackupWriter.Metadata(
                name,
                i == null ? null : i.port(),
                i == null ? null : i.model(),
                runtime,
                Version.get(),
                agentVersion.isEmpty() ? null : agentVersion,
                agentVersion.isEmpty() ? null : build.path("sessionLayout").asText(null));
    }

    /** Whether this backup pauses or stops the container: only a running one, and never online. */
    private static boolean holds(Optional<ContainerInfo> container, String mode) {
        return !"online".equals(mode)
                && container.isPresent()
                && container.get().running();
    }

    /**
     * Pause or stop the container if it runs (else nothing) and give it back when closed. It is recorded as held
     * (in memory and on disk) before the call, so an error after the daemon acted is still given back.
     */
    BackupWriter.Quiescer quiescer(Optional<ContainerInfo> container, String instance, String mode) {
        if (!holds(container, mode)) {
            return BackupWriter.Quiescer.none();
        }
        Held h = new Held(container.get().id(), "pause".equals(mode) ? Holds.Mode.PAUSE : Holds.Mode.STOP);
        ContainerEngine engine = containers.engine();
        return () -> {
            holds.record(h.id(), instance, h.mode());
            held.add(h);
            try {
                if (h.mode() == Holds.Mode.PAUSE) {
                    engine.pause(h.id());
                } else {
                    engine.stop(h.id(), UpService.STOP_TIMEOUT);
                }
            } catch (RuntimeException e) {
                try {
                    giveBack(engine, h);
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo); // stays held: release() and the hold record try again
                }
                throw e;
            }
            return () -> giveBack(engine, h);
        };
    }

    /** Unpauses or starts one held container; it stops being held only when that worked. */
    private void giveBack(ContainerEngine e, Held h) {
        if (h.mode() == Holds.Mode.PAUSE) {
            e.unpause(h.id());
        } else {
            e.start(h.id());
        }
        held.remove(h);
        holds.release(h.id());
    }

    /** Unpauses or starts again whatever this run still holds (after the workers, and on Ctrl-C), best effort. */
    private void release(ContainerEngine e) {
        for (Held h : List.copyOf(held)) {
            try {
                giveBack(e, h);
            } catch (RuntimeException ignored) {
                // best effort: the engine may be gone; the hold record remains
            }
        }
    }
}
