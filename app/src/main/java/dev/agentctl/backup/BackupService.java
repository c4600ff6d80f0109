package dev.agentctl.backup;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.Engine;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.spec.ContainerSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code agentctl backup}: one archive per instance, taken consistently while it runs. pause freezes the container
 * only while its files are read and always unpauses (also on error or Ctrl-C); stop stops it and starts again
 * exactly what it stopped; online touches nothing.
 */
public final class BackupService {
    public static final List<String> MODES = List.of("pause", "stop", "online");
    public static final int PARALLEL = 2;
    /** Containers this process holds paused or stopped; a shutdown hook gives them back on Ctrl-C. */
    private static final Set<String> HELD = ConcurrentHashMap.newKeySet();

    /**
     * What happened for one instance; {@code error} is null when the archive was written. {@code held} is how long
     * the container was paused or stopped, null when nothing was held (online, or no running container).
     */
    public record Report(String instance, Path archive, long archiveSize, long bytesRead, int files, Duration held,
                         String mode, String error, List<String> warnings) {
    }

    private final Fleet fleet;
    private final Engine engine;

    /** {@code engine} may be null for online backups. */
    public BackupService(Fleet fleet, Engine engine) {
        this.fleet = fleet;
        this.engine = engine;
    }

    public List<Report> backup(List<Instance> instances, Path to, String mode) {
        if (!MODES.contains(mode)) {
            throw AgentctlException.badInput("invalid --mode '" + mode + "': use pause, stop or online");
        }
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);
        Thread hook = new Thread(BackupService::release);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<Future<Report>> futures = new ArrayList<>();
            for (Instance i : instances) {
                futures.add(pool.submit(() -> one(i, to, mode)));
            }
            List<Report> out = new ArrayList<>();
            for (Future<Report> f : futures) {
                try {
                    out.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AgentctlException.failed("interrupted", e);
        } finally {
            pool.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down: the hook runs
            }
        }
    }

    private Report one(Instance i, Path to, String mode) {
        Optional<ContainerInfo> c = engine == null ? Optional.empty() : engine.inspect(fleet.containerName(i.name()));
        String runtime = c.map(x -> x.label(ContainerSpec.LABEL_RUNTIME)).orElse(fleet.currentRuntime().getFileName().toString());
        BackupWriter.Metadata meta = new BackupWriter.Metadata(i.name(), i.port(), i.model(), runtime, dev.agentctl.Version.get());
        try {
            BackupWriter.Result r = new BackupWriter().write(i.dir(), to, meta, quiescer(c, mode));
            return new Report(i.name(), r.archive(), r.archiveSize(), r.bytesRead(), r.fileCount(),
                    holds(c, mode) ? r.quiesced() : null, mode, null, r.warnings());
        } catch (IOException | RuntimeException e) {
            if (e instanceof AgentctlException a && a.exitCode() == AgentctlException.ENGINE_UNREACHABLE) {
                throw a;
            }
            String why = BackupWriter.describe(e);
            // callers say which instance failed; the writer's own prefix would repeat it
            why = why.replaceFirst("^backup of instance " + java.util.regex.Pattern.quote(i.name()) + " failed: ", "");
            return new Report(i.name(), null, 0, 0, 0, null, mode, why, List.of());
        }
    }

    /** Whether this backup pauses or stops the container: only a running one, and never online. */
    private static boolean holds(Optional<ContainerInfo> container, String mode) {
        return !"online".equals(mode) && container.isPresent() && container.get().running();
    }

    /** Pause or stop the container if it runs (else nothing) and give it back when closed. */
    private BackupWriter.Quiescer quiescer(Optional<ContainerInfo> container, String mode) {
        if (!holds(container, mode)) {
            return BackupWriter.Quiescer.none();
        }
        String id = container.get().id();
        boolean pause = "pause".equals(mode);
        return () -> {
            HELD.add(id + (pause ? ":pause" : ":stop"));
            if (pause) {
                engine.pause(id);
            } else {
                engine.stop(id, 30);
            }
            return () -> {
                try {
                    if (pause) {
                        engine.unpause(id);
                    } else {
                        engine.start(id);
                    }
                } finally {
                    HELD.remove(id + (pause ? ":pause" : ":stop"));
                }
            };
        };
    }

    /** On Ctrl-C: unpause or start again whatever this process holds. */
    private static void release() {
        if (HELD.isEmpty()) {
            return;
        }
        try (Engine e = Engine.connect()) {
            for (String held : HELD) {
                String id = held.substring(0, held.indexOf(':'));
                try {
                    if (held.endsWith(":pause")) {
                        e.unpause(id);
                    } else {
                        e.start(id);
                    }
                } catch (RuntimeException ignored) {
                    // best effort while exiting
                }
            }
        } catch (RuntimeException ignored) {
            // engine gone: nothing more to do
        }
    }
}
