package dev.agentctl.backup;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Ports;
import dev.agentctl.fleet.Scaffolder;
import dev.agentctl.fleet.Validate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code agentctl restore}: verifies the archive, extracts it beside the instance folder and swaps it in. Onto an
 * existing instance only with force: it is stopped, backed up first, swapped, and started again if it ran.
 */
public final class RestoreService {
    private final Fleet fleet;
    private final Supplier<Engine> engine;
    private final Consumer<String> progress;

    /** The engine is connected only when a running instance must be stopped and started again. */
    public RestoreService(Fleet fleet, Supplier<Engine> engine, Consumer<String> progress) {
        this.fleet = fleet;
        this.engine = engine;
        this.progress = progress;
    }

    /** {@code health} is null when the instance was not running (nothing was started). */
    public record Restored(String name, int port, Path safetyBackup, String health) {}

    /**
     * Restores {@code archive}: as the instance it was taken of, or {@code as} a new one. The archive is extracted
     * beside the instance folder and checked against its manifest file by file before anything else happens, so a
     * bad archive is refused (exit 2) with nothing changed, and a running instance is stopped only for the swap.
     */
    public Restored restore(Path archive, String as, String requestedPort, boolean force) {
        if (!Files.isRegularFile(archive)) {
            throw AgentctlException.badInput("no backup file '" + archive + "'");
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
            if (as != null) {
                throw AgentctlException.badInput(
                        "instance '" + name + "' already exists; choose another name for --as");
            }
            if (!force) {
                throw AgentctlException.badInput(
                        "instance '" + name + "' exists; use --force to replace it (it is backed up first)"
                                + " or --as NEW to restore beside it");
            }
            if (requestedPort != null) {
                Instance current = fleet.load(name);
                Ports.check(
                        Validate.port(requestedPort), current.effectiveBind(fleet.config()), fleet.portsInUse(), name);
            }
        }
        progress.accept("extracting and checking " + archive.getFileName());
        try (Restorer.Staged staged =
                Restorer.stage(archive, fleet.instanceDir(name), dev.agentctl.io.SafeTar.Limits.defaults())) {
            if (as == null && !name.equals(staged.manifest().instance())) {
                throw AgentctlException.badInput("refusing to restore '" + archive + "': its manifest names instance '"
                        + staged.manifest().instance() + "', its sidecar '" + name + "'");
            }
            return exists ? replace(staged, name, requestedPort) : create(staged, name, requestedPort);
        } catch (IOException e) {
            throw failure(archive, e);
        }
    }

    /** Restores under a name no instance has; a taken port is replaced by a free one. */
    private Restored create(Restorer.Staged staged, String name, String requestedPort) throws IOException {
        Path dir = fleet.instanceDir(name);
        staged.swapIn();
        try {
            Scaffolder.handToContainerUser(dir);
            int port = portFor(name, requestedPort);
            new Scaffolder(fleet)
                    .update(
                            name,
                            new Scaffolder.Change(null, Integer.toString(port), null, null, null, Map.of(), null));
            return new Restored(name, port, null, null);
        } catch (IOException | RuntimeException e) {
            dev.agentctl.io.AtomicFiles.deleteTree(dir);
            throw e;
        }
    }

    /**
     * A refused archive (unsafe entry, checksum mismatch, truncated or not gzip) is bad input (2); a failure of this
     * host (a full disk, permissions) is 1.
     */
    private static AgentctlException failure(Path archive, IOException e) {
        String why = String.valueOf(e.getMessage()).strip().lines().findFirst().orElse("");
        boolean host = e instanceof java.nio.file.FileSystemException || why.contains("No space left");
        return host
                ? AgentctlException.failed("cannot restore '" + archive + "': " + why, e)
                : AgentctlException.badInput("refusing to restore '" + archive + "': " + why);
    }

    private int portFor(String name, String requestedPort) {
        Instance restored = fleet.load(name);
        int p = new Scaffolder(fleet)
                .choosePort(requestedPort, restored.port(), restored.effectiveBind(fleet.config()), name);
        if (requestedPort == null && p != restored.port()) {
            progress.accept("port " + restored.port() + " is taken; " + name + " gets port " + p);
        }
        return p;
    }

    /**
     * --force onto an existing instance, with the archive already staged and checked (and a requested port too):
     * the container is stopped, the data backed up, the archive swapped in, and if the instance ran it is brought up
     * again (recreated if its settings changed) and waited for. If the swap did not happen, the old container is
     * simply started again.
     */
    private Restored replace(Restorer.Staged staged, String name, String requestedPort) throws IOException {
        Instance current = fleet.load(name);
        Engine e = engine.get();
        Optional<ContainerInfo> c = dev.agentctl.ops.FleetContainers.find(fleet, e, name);
        boolean wasRunning = c.isPresent()
                && !List.of("created", "exited", "dead").contains(c.get().state());
        if (wasRunning) {
            progress.accept("stopping " + name);
            if ("paused".equals(c.get().state())) {
                e.unpause(c.get().id());
            }
            e.stop(c.get().id(), 30);
        }
        boolean swapped = false;
        try {
            List<BackupService.Report> safety =
                    new BackupService(fleet, e).backup(List.of(current), fleet.backupsDir(), "online");
            if (safety.get(0).error() != null) {
                throw AgentctlException.failed(
                        "the backup taken before restoring failed, so nothing was restored: "
                                + safety.get(0).error(),
                        null);
            }
            progress.accept(
                    "backed up the current " + name + " to " + safety.get(0).archive());
            staged.swapIn();
            swapped = true;
            Scaffolder.handToContainerUser(current.dir());
            int port = portFor(name, requestedPort);
            if (port != fleet.load(name).port()) {
                new Scaffolder(fleet)
                        .update(
                                name,
                                new Scaffolder.Change(null, Integer.toString(port), null, null, null, Map.of(), null));
            }
            String health = null;
            if (wasRunning) {
                progress.accept("bringing " + name + " up again");
                health = new dev.agentctl.ops.Reconciler(fleet, e, progress)
                        .up(List.of(fleet.load(name)), true, java.time.Duration.ofMinutes(2))
                        .get(0)
                        .health();
            }
            return new Restored(name, port, safety.get(0).archive(), health);
        } finally {
            if (wasRunning && !swapped) {
                e.start(c.get().id());
            }
        }
    }
}
