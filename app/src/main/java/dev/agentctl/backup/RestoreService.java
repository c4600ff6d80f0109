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

    public record Restored(String name, int port, Path safetyBackup, boolean restarted) {
    }

    public Restored restore(Path archive, String as, String requestedPort, boolean force) {
        if (!Files.isRegularFile(archive)) {
            throw AgentctlException.badInput("no backup file '" + archive + "'");
        }
        BackupVerifier.Result check;
        try {
            check = BackupVerifier.verify(archive);
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read backup '" + archive + "': " + e.getMessage());
        }
        if (!check.ok()) {
            throw AgentctlException.badInput("refusing to restore '" + archive + "': " + check.problems().get(0)
                    + (check.problems().size() > 1 ? " (and " + (check.problems().size() - 1) + " more problems)" : ""));
        }
        String name = Validate.name(as != null ? as : check.manifest().instance());
        if (requestedPort != null) {
            Validate.port(requestedPort);
        }
        if (fleet.exists(name)) {
            if (as != null) {
                throw AgentctlException.badInput("instance '" + name + "' already exists; choose another name for --as");
            }
            if (!force) {
                throw AgentctlException.badInput("instance '" + name + "' exists; use --force to replace it (it is backed up first)"
                        + " or --as NEW to restore beside it");
            }
            return replace(archive, name, requestedPort);
        }
        return create(archive, name, requestedPort);
    }

    /** Restores under a name no instance has; a taken port is replaced by a free one. */
    private Restored create(Path archive, String name, String requestedPort) {
        Path dir = fleet.instanceDir(name);
        try {
            Restorer.restore(archive, dir);
            Scaffolder.handToContainerUser(dir);
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot restore '" + archive + "': " + e.getMessage());
        }
        try {
            int port = portFor(name, requestedPort);
            new Scaffolder(fleet).update(name, new Scaffolder.Change(null, Integer.toString(port), null, null, null, Map.of(), null));
            return new Restored(name, port, null, false);
        } catch (RuntimeException e) {
            dev.agentctl.io.AtomicFiles.deleteTree(dir);
            throw e;
        }
    }

    private int portFor(String name, String requestedPort) {
        Instance restored = fleet.load(name);
        Map<Integer, String> taken = new java.util.HashMap<>(fleet.portsInUse());
        taken.remove(restored.port(), name);
        String bind = restored.effectiveBind(fleet.config());
        if (requestedPort != null) {
            int p = Validate.port(requestedPort);
            Ports.check(p, bind, taken, name);
            return p;
        }
        if (!taken.containsKey(restored.port()) && !Ports.listening(bind, restored.port())) {
            return restored.port();
        }
        int p = Ports.firstFree(fleet.config().ports(), bind, taken);
        progress.accept("port " + restored.port() + " is taken; " + name + " gets port " + p);
        return p;
    }

    /** --force onto an existing instance: stop it, back it up, swap, start again if it ran. */
    private Restored replace(Path archive, String name, String requestedPort) {
        Instance current = fleet.load(name);
        Engine e = engine.get();
        Optional<ContainerInfo> c = e.inspect(fleet.containerName(name));
        boolean wasRunning = c.isPresent() && c.get().running();
        if (wasRunning) {
            progress.accept("stopping " + name);
            e.stop(c.get().id(), 30);
        }
        try {
            List<BackupService.Report> safety = new BackupService(fleet, e).backup(List.of(current), fleet.backupsDir(), "online");
            if (safety.get(0).error() != null) {
                throw AgentctlException.failed("the backup taken before restoring failed, so nothing was restored: " + safety.get(0).error(), null);
            }
            progress.accept("backed up the current " + name + " to " + safety.get(0).archive());
            Restorer.restore(archive, current.dir());
            Scaffolder.handToContainerUser(current.dir());
            int port = requestedPort == null ? fleet.load(name).port() : portFor(name, requestedPort);
            if (port != fleet.load(name).port()) {
                new Scaffolder(fleet).update(name, new Scaffolder.Change(null, Integer.toString(port), null, null, null, Map.of(), null));
            }
            return new Restored(name, port, safety.get(0).archive(), wasRunning);
        } catch (IOException ex) {
            throw AgentctlException.failed("cannot restore '" + archive + "': " + ex.getMessage(), ex);
        } finally {
            if (wasRunning) {
                progress.accept("starting " + name + " again");
                e.start(c.get().id());
            }
        }
    }
}
