package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.ArchiveCheck;
import dev.agentctl.backup.BackupCatalog;
import dev.agentctl.backup.Restorer;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.fleet.Channels;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceEditor;
import dev.agentctl.fleet.InstanceFiles;
import dev.agentctl.fleet.Ports;
import dev.agentctl.fleet.Storage;
import dev.agentctl.fleet.Validate;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code agentctl restore}: the archive is extracted beside the instance folder, checked against its manifest file by
 * file, and the staged instance is checked in full (config.json, instance.yaml, name, port, modes) before anything
 * else happens. A refused archive changes nothing (exit 2). Onto an existing instance only with force: it is stopped
 * only then, backed up, swapped, and brought up again if it ran.
 */
public final class RestoreService {
    private final Fleet fleet;
    private final Supplier<FleetContainers> containers;
    private final Consumer<String> progress;
    private FleetContainers connected;

    /** The engine is connected only when a running instance must be stopped and started again. */
    public RestoreService(Fleet fleet, Supplier<FleetContainers> containers, Consumer<String> progress) {
        this.fleet = fleet;
        this.containers = containers;
        this.progress = progress;
    }

    /** {@code health} is null when the instance was not running (nothing was started). */
    public record Restored(String name, int port, Path safetyBackup, String health, List<String> warnings) {}

    /**
     * Restores {@code archive} as its own instance, or as {@code as} (a copy beside the original: its channels are
     * turned off unless {@code keepChannels}, since two gateways on one token both fail), within {@code limits} on
     * what the archive may hold (restore's --max-entries and --max-bytes).
     */
    public Restored restore(
            Path archive,
            String as,
            String requestedPort,
            boolean force,
            boolean keepChannels,
            String storage,
            ArchiveCheck.Limits limits) {
        Storage kind = storage == null ? null : Storage.parse("--storage", storage);
        if (!Files.isRegularFile(archive)) {
            throw AgentctlException.badInput("no backup file '" + archive + "'");
        }
        try {
            if (BackupCatalog.readManifest(archive).sessionsOnly()) {
                throw AgentctlException.badInput("refusing to restore '" + archive + "': it holds sessions archived by"
                        + " 'agentctl sessions archive', not an instance; use agentctl sessions restore NAME "
                        + archive);
            }
        } catch (IOException e) {
            // the checks below say what is wrong with it
        }
        String name;
        if (as != null) {
            name = Validate.name(as);
        } else {
            try {
                name = Validate.name(BackupCatalog.readManifest(archive).instance());
            } catch (IOException e) {
                throw AgentctlException.badInput(
                        "refusing to restore '" + archive + "': cannot read its manifest: " + e.getMessage());
            }
        }
        if (requestedPort != null) {
            Validate.port(requestedPort);
        }
        boolean exists = fleet.exists(name);
        if (exists) {
            fleet.requireRealFolder(name);
            if (as != null) {
                throw AgentctlException.badInput(
                        "instance '" + name + "' already exists; choose another name for --as");
            }
            if (!force) {
                throw AgentctlException.badInput("instance '" + name + "' exists; use --force to replace it (it is"
                        + " backed up first) or --as NEW to restore beside it");
            }
        }
        progress.accept("extracting and checking " + archive.getFileName());
        try (Restorer.Staged staged = Restorer.stage(archive, fleet.instanceDir(name), limits)) {
            if (as == null && !name.equals(staged.manifest().instance())) {
                throw AgentctlException.badInput("refusing to restore '" + archive + "': its manifest names instance '"
                        + staged.manifest().instance() + "', its sidecar '" + name + "'");
            }
            List<String> warnings = new ArrayList<>();
            boolean detach = as != null && !keepChannels;
            int port = checkStaged(archive, staged.path(), name, requestedPort, detach, warnings);
            Instance into = fleet.loadFrom(staged.path(), name);
            if (kind != null && kind != into.effectiveStorage(fleet.config())) {
                into = into.withStorage(kind);
                InstanceFiles.writeSettings(staged.path(), into);
            }
            return exists ? replace(staged, into, port, warnings) : create(staged, into, port, detach, warnings);
        } catch (IOException e) {
            throw failure("restore", archive, e);
        }
    }

    /**
     * Everything that could refuse the restore, checked on the staged folder before anything is stopped or moved:
     * it reads as an instance, its port can be given (the requested one, else its own, else a free one), and its
     * modes are put back to agentctl's (0700 folders, 0600 secrets), each relaxation carried by the archive named.
     */
    private int checkStaged(
            Path archive, Path staged, String name, String requestedPort, boolean detach, List<String> warnings)
            throws IOException {
        Instance inst;
        try {
            inst = fleet.loadFrom(staged, name);
        } catch (AgentctlException e) {
            // named as the archive holds them, not by the staging folder that is gone when this is read
            String why = e.getMessage().replace(staged + "/", "");
            throw AgentctlException.badInput("refusing to restore '" + archive + "': the instance in it is not usable: "
                    + why + "; nothing was changed");
        }
        if (!detach) {
            Channels.requireUnique(fleet, name, Fleet.readConfig(staged), inst.env());
        }
        Map<Integer, String> taken = new HashMap<>(fleet.portsInUse());
        taken.values().removeIf(owner -> owner.equals(name));
        String bind = inst.effectiveBind(fleet.config());
        int port;
        if (requestedPort != null) {
            port = Validate.port(requestedPort);
            Ports.check(port, bind, taken, name);
        } else if (!taken.containsKey(inst.port()) && (fleet.exists(name) || !Ports.listening(bind, inst.port()))) {
            port = inst.port();
        } else {
            port = Ports.firstFree(fleet.config().ports(), bind, taken);
            warnings.add("port " + inst.port() + " is taken (by "
                    + taken.getOrDefault(inst.port(), "something on this" + " host") + "); " + name + " gets port "
                    + port);
        }
        normaliseModes(staged, warnings);
        FleetConfig.Security sec = inst.effectiveSecurity(fleet.config());
        if (inst.security() != null && sec.relaxed()) {
            warnings.add(
                    "the archive relaxes " + name + "'s security (" + sec.reason() + "); see agentctl show " + name);
        }
        if (inst.bind() != null
                && !inst.bind().startsWith("127.")
                && !inst.bind().equals("::1")) {
            warnings.add("the archive publishes " + name + "'s port on " + inst.bind() + ", not on loopback");
        }
        InstanceFiles.handToContainerUser(staged);
        return port;
    }

    private static final Set<PosixFilePermission> DIR = AtomicFiles.PRIVATE_DIR;

    /** The instance folder, config/ and workspace/ 0700; .env 0600. */
    private static void normaliseModes(Path staged, List<String> warnings) throws IOException {
        for (String d : List.of(".", "config", "workspace")) {
            Path p = staged.resolve(d);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                Set<PosixFilePermission> was = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                if (!was.equals(DIR)) {
                    if (!d.equals(".")) {
                        warnings.add("the archive had " + d + "/ as "
                                + java.nio.file.attribute.PosixFilePermissions.toString(was)
                                + "; restored as rwx------");
                    }
                    Files.setPosixFilePermissions(p, DIR);
                }
            }
        }
        Path env = staged.resolve(Instance.ENV);
        if (Files.isRegularFile(env, LinkOption.NOFOLLOW_LINKS)) {
            Set<PosixFilePermission> was = Files.getPosixFilePermissions(env, LinkOption.NOFOLLOW_LINKS);
            if (!was.equals(AtomicFiles.PRIVATE_FILE)) {
                warnings.add("the archive had .env as " + java.nio.file.attribute.PosixFilePermissions.toString(was)
                        + "; restored as rw-------");
                Files.setPosixFilePermissions(env, AtomicFiles.PRIVATE_FILE);
            }
        }
    }

    /** Restores under a name no instance has. */
    private Restored create(Restorer.Staged staged, Instance into, int port, boolean detach, List<String> warnings)
            throws IOException {
        String name = into.name();
        boolean filled = false;
        try {
            if (inVolumes(into)) {
                fill(into, staged.path());
                filled = true;
            }
            staged.swapIn();
        } catch (IOException | RuntimeException e) {
            if (filled) {
                new InstanceVolumes(fleet, containers().engine()).remove(name);
            }
            throw e;
        }
        Path dir = fleet.instanceDir(name);
        try {
            if (port != fleet.load(name).port()) {
                setPort(name, port);
            }
            List<String> off = detach ? new InstanceEditor(fleet).detachChannels(name) : List.of();
            if (!off.isEmpty()) {
                warnings.add("channels " + String.join(", ", off) + " are off for " + name + ": the instance backed up"
                        + " may still use their tokens; give " + name + " tokens of its own with agentctl channel"
                        + " enable " + name + " " + off.get(0) + " --env ..., or restore with --keep-channels");
            }
            return new Restored(name, port, null, null, warnings);
        } catch (RuntimeException e) {
            AtomicFiles.deleteTree(dir);
            throw e;
        }
    }

    /** The engine, connected on first use. */
    private FleetContainers containers() {
        if (connected == null) {
            connected = containers.get();
        }
        return connected;
    }

    private boolean inVolumes(Instance i) {
        return i.effectiveStorage(fleet.config()) == Storage.VOLUME;
    }

    /** Fills the instance's volumes from the staged folder, which keeps only what stays on the host. */
    private void fill(Instance into, Path staged) throws IOException {
        progress.accept("filling " + into.name() + "'s volumes");
        new InstanceVolumes(fleet, containers().engine()).fill(into, staged);
        dev.agentctl.fleet.Scaffolder.keepOnlyConfigJson(staged);
    }

    private void setPort(String name, int port) {
        new InstanceEditor(fleet).update(name, InstanceEditor.Change.port(port));
    }

    /**
     * A refused archive (unsafe entry, checksum mismatch, truncated or not gzip) is bad input (2); a failure of this
     * host (a full disk, permissions) is 1.
     */
    /**
     * A failed restore of {@code archive} ({@code what}: "restore", "restore sessions from"): the host's trouble is
     * exit 1, the archive's (refused, does not match its manifest) exit 2.
     */
    public static AgentctlException failure(String what, Path archive, IOException e) {
        String why = String.valueOf(e.getMessage()).strip().lines().findFirst().orElse("");
        boolean host = e instanceof java.nio.file.FileSystemException || why.contains("No space left");
        return host
                ? AgentctlException.failed("cannot " + what + " '" + archive + "': " + why, e)
                : AgentctlException.badInput(
                        "refusing to " + what + " '" + archive + "': " + why + "; nothing was changed");
    }

    /**
     * --force onto an existing instance, with the archive staged and checked: the container is stopped, the data
     * backed up, the archive swapped in, and if the instance ran it is brought up again (recreated if its settings
     * changed) and waited for. If the swap did not happen, the old container is simply started again.
     */
    private Restored replace(Restorer.Staged staged, Instance into, int port, List<String> warnings)
            throws IOException {
        String name = into.name();
        Instance current = fleet.load(name);
        FleetContainers fc = containers();
        Optional<ContainerInfo> c = fc.find(name);
        boolean wasRunning = c.isPresent() && c.get().state().wasRunning();
        if (wasRunning) {
            progress.accept("stopping " + name);
            if (c.get().state() == ContainerState.PAUSED) {
                fc.engine().unpause(c.get().id());
            }
            fc.engine().stop(c.get().id(), UpService.STOP_TIMEOUT);
        }
        boolean swapped = false;
        boolean removed = false;
        try {
            BackupService.Report safety = new BackupService(fleet, fc)
                    .backup(List.of(current), fleet.backupsDir(), "online")
                    .get(0);
            if (safety.error() != null) {
                throw AgentctlException.failed(
                        "the backup taken before restoring failed, so nothing was restored: " + safety.error(), null);
            }
            progress.accept("backed up the current " + name + " to " + safety.archive());
            if ((inVolumes(into) || inVolumes(current)) && c.isPresent()) {
                fc.engine().remove(c.get().id()); // its volumes are replaced or removed; up makes it again
                removed = true;
            }
            if (inVolumes(into)) {
                fill(into, staged.path());
            }
            staged.swapIn();
            swapped = true;
            if (inVolumes(current) && !inVolumes(into)) {
                new InstanceVolumes(fleet, fc.engine()).remove(name);
            }
            if (port != fleet.load(name).port()) {
                setPort(name, port);
            }
            String health = null;
            if (wasRunning) {
                health = UpService.upAgain(fleet, fc, name, UpService.STOP_TIMEOUT, progress);
            }
            return new Restored(name, port, safety.archive(), health, warnings);
        } finally {
            if (wasRunning && !swapped && !removed) {
                fc.engine().start(c.get().id());
            }
        }
    }
}
