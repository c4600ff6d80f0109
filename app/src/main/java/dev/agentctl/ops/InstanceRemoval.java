package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.BackupService;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceRemover;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code agentctl rm}: stops the container (so nothing writes into the folder), takes a final backup, removes the
 * container, moves the folder to instances/.trash (or deletes it) and re-renders compose. If anything fails before
 * the folder moved, the container is started again when it was running.
 */
public final class InstanceRemoval {
    private InstanceRemoval() {}

    /** Where the folder went (null when purged). {@code engine} may be null when no engine answers. */
    public static Path remove(
            Fleet fleet, Engine engine, String name, boolean purge, boolean backup, Consumer<String> progress) {
        Instance instance =
                backup ? fleet.require(name) : null; // an unreadable instance is refused before anything changes
        Optional<ContainerInfo> c = engine == null ? Optional.empty() : FleetContainers.find(fleet, engine, name);
        boolean wasRunning = c.isPresent()
                && !List.of("created", "exited", "dead").contains(c.get().state());
        if (wasRunning) {
            if ("paused".equals(c.get().state())) {
                engine.unpause(c.get().id());
            }
            engine.stop(c.get().id(), 10);
        }
        Path where;
        try {
            if (backup) {
                BackupService.Report r = new BackupService(fleet, null)
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
            where = InstanceRemover.remove(fleet, name, purge);
        } catch (RuntimeException e) {
            if (wasRunning) {
                engine.start(c.get().id());
            }
            throw e;
        }
        if (c.isPresent()) {
            engine.remove(c.get().id());
            progress.accept("Removed container " + c.get().name());
        }
        ComposeFiles.write(fleet);
        return where;
    }
}
