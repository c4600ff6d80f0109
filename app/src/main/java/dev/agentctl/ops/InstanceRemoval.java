package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetState;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Trash;
import dev.agentctl.io.AtomicFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code agentctl rm}: stops the container (so nothing writes into the folder), takes a final backup, moves the folder
 * to instances/.trash (or deletes it), removes the container, and re-renders compose. If anything fails before the
 * folder moved, the container is started again when it was running. It needs the engine: without one, nothing is
 * changed (a folder removed while its container runs on would leave an orphan).
 */
public final class InstanceRemoval {
    private InstanceRemoval() {}

    /** Where the folder went (null when purged). */
    public static Path remove(
            Fleet fleet,
            FleetContainers containers,
            String name,
            boolean purge,
            boolean backup,
            Duration stopTimeout,
            Consumer<String> progress) {
        fleet.requireRealFolder(name);
        Instance instance = backup ? fleet.require(name) : null; // unreadable: refused before anything changes
        Optional<ContainerInfo> c = containers.find(name);
        boolean wasRunning = c.isPresent() && c.get().state().wasRunning();
        if (wasRunning) {
            if (c.get().state() == ContainerState.PAUSED) {
                containers.engine().unpause(c.get().id());
            }
            containers.engine().stop(c.get().id(), stopTimeout);
        }
        InstanceVolumes volumes = new InstanceVolumes(fleet, containers.engine());
        Instance current = instance;
        if (current == null) {
            try {
                current = fleet.load(name);
            } catch (AgentctlException e) {
                // unreadable settings, removed without a backup: its folder goes as it is
            }
        }
        boolean inVolumes = current != null && volumes.uses(current);
        Path where;
        try {
            if (backup) {
                BackupService.Report r = new BackupService(fleet, containers)
                        .backup(List.of(instance), fleet.backupsDir(), "online")
                        .get(0);
                if (r.error() != null) {
                    throw AgentctlException.failed(
                            "the final backup of " + name + " failed, so nothing was removed: " + r.error()
                                    + " (use --no-backup to remove without one)",
                            null);
                }
                progress.accept("Final backup: " + r.archive());
            }
            if (inVolumes && !purge) {
                try {
                    volumes.drainInto(current); // the trash keeps the whole instance, as a bind folder
                } catch (java.io.IOException e) {
                    throw AgentctlException.failed(
                            "cannot read " + name + "'s volumes, so nothing was removed: " + e.getMessage()
                                    + " (use --purge to remove it without keeping its data)",
                            e);
                }
            }
            where = new Trash(fleet).put(name);
        } catch (RuntimeException e) {
            if (wasRunning) {
                containers.engine().start(c.get().id());
            }
            throw e;
        }
        if (c.isPresent()) {
            containers.engine().remove(c.get().id());
            progress.accept("Removed container " + c.get().name());
        }
        if (inVolumes) {
            volumes.remove(name);
            progress.accept("Removed volumes " + String.join(", ", volumes.names(name)));
        }
        new FleetState(fleet).forget(name);
        Networks.prune(containers.engine(), fleet);
        ComposeFiles.write(fleet);
        if (purge) {
            AtomicFiles.deleteTree(where);
            return null;
        }
        return where;
    }
}
