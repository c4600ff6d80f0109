package dev.agentctl.ops;

import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceFiles;
import dev.agentctl.fleet.Scaffolder;
import dev.agentctl.fleet.Storage;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.StallGuard;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code agentctl convert NAME --storage KIND}: moves an instance's data between bind folders and volumes. Its
 * container is stopped and removed first (nothing writes while the data moves; its mounts change anyway), the data is
 * copied, the settings switched, and only then the old copy removed; if it ran, it is brought up again.
 */
public final class StorageConversion {
    private StorageConversion() {}

    /** {@code health}: null when it was not running; {@code changed} false when it already used {@code to}. */
    public record Result(boolean changed, String health) {}

    public static Result convert(
            Fleet fleet, FleetContainers fc, String name, Storage to, Duration stopTimeout, Consumer<String> progress)
            throws IOException {
        Instance i = fleet.require(name);
        if (i.effectiveStorage(fleet.config()) == to) {
            return new Result(false, null);
        }
        Optional<ContainerInfo> c = fc.find(name);
        boolean wasRunning = c.isPresent() && c.get().state().wasRunning();
        if (c.isPresent()) {
            if (c.get().state() == ContainerState.PAUSED) {
                fc.engine().unpause(c.get().id());
            }
            if (wasRunning) {
                progress.accept("stopping " + name);
                fc.engine().stop(c.get().id(), stopTimeout);
            }
            fc.engine().remove(c.get().id()); // its mounts change: up makes it again
        }
        InstanceVolumes volumes = new InstanceVolumes(fleet, fc.engine());
        if (to == Storage.VOLUME) {
            progress.accept("copying " + name + "'s data into volumes " + String.join(", ", volumes.names(name)));
            // the agent's trees are copied through handles into a folder of agentctl's first (a throwaway container
            // of agentctl run may still have them mounted), then that copy goes into the volumes
            Path staging = Files.createTempDirectory(
                    fleet.instancesDir(),
                    "." + name + "-convert-",
                    PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
            try {
                for (String part : InstanceVolumes.PARTS) {
                    try (UntrustedDir d = UntrustedDir.open(i.dir(), part)) {
                        StallGuard.run(StallGuard.QUIET, () -> d.copyTo(staging.resolve(part), Set.of()));
                    }
                }
                volumes.fill(i, staging);
            } catch (IOException | RuntimeException e) {
                volumes.remove(name);
                throw e;
            } finally {
                UntrustedDir.deleteTree(staging);
            }
            InstanceFiles.writeSettings(i.dir(), i.withStorage(Storage.VOLUME));
            Scaffolder.keepOnlyConfigJson(i.dir());
        } else {
            progress.accept("copying " + name + "'s data out of its volumes into " + i.dir());
            volumes.drainInto(i);
            volumes.remove(name);
        }
        String health = null;
        if (wasRunning) {
            health = UpService.upAgain(fleet, fc, name, stopTimeout, progress);
        }
        return new Result(true, health);
    }
}
