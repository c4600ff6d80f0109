package dev.agentctl.ops;

import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetState;
import dev.agentctl.fleet.Trash;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What killed runs leave behind, put right by the next run that holds the fleet lock (so nothing else is working on
 * them): half-made instance folders, restore staging folders, an instance folder renamed aside by a swap that never
 * finished, partial runtime files, and containers renamed aside by a recreate that never finished. Each returns
 * one line per thing put right.
 */
public final class Leftovers {
    private static final Pattern CREATE = Pattern.compile("\\.create-[a-z][a-z0-9-]*-\\d+");
    private static final Pattern STAGING = Pattern.compile("\\.([a-z][a-z0-9-]*)\\.restore-\\d+");
    private static final Pattern ASIDE = Pattern.compile("\\.([a-z][a-z0-9-]*)\\.old-\\d+");

    /** The staging folder of an interrupted {@code sessions restore}, inside an instance folder. */
    private static final Pattern SESSIONS_STAGING = Pattern.compile("\\.sessions-restore\\.restore-\\d+");

    private Leftovers() {}

    /**
     * What the next run holding the lock would put right, one line each, changing nothing ({@code doctor}). {@code
     * seen} null: containers are not looked at.
     */
    public static List<String> found(Fleet fleet, FleetContainers.Observed seen) {
        List<String> out = new ArrayList<>();
        for (Path p : children(fleet.instancesDir())) {
            String n = p.getFileName().toString();
            if (CREATE.matcher(n).matches()
                    || STAGING.matcher(n).matches()
                    || ASIDE.matcher(n).matches()) {
                out.add(p + ", left by an interrupted create or restore");
            } else if (!n.startsWith(".")) {
                children(p).stream()
                        .filter(c -> SESSIONS_STAGING
                                .matcher(c.getFileName().toString())
                                .matches())
                        .forEach(c -> out.add(c + ", left by an interrupted sessions restore"));
            }
        }
        for (Path p : children(fleet.runtimeDir())) {
            String n = p.getFileName().toString();
            if (n.endsWith(".partial") || (n.startsWith(".context-") && n.endsWith(".tar"))) {
                out.add(p + ", left by an interrupted runtime build");
            }
        }
        if (seen != null) {
            for (ContainerInfo c : seen.leftovers()) {
                String instance = c.label(dev.agentctl.spec.ContainerSpec.LABEL_INSTANCE);
                if (runOf(fleet, c, instance)) {
                    out.add("container " + c.name() + ", an agentctl run"
                            + (c.running()
                                    ? " still running (its agentctl may be gone)"
                                    : " whose agentctl was killed"));
                } else {
                    out.add("container " + c.name() + ", left by an interrupted recreate");
                }
            }
        }
        return out;
    }

    /** A throwaway container of {@code agentctl run} (removed by the run itself, unless it was killed). */
    private static boolean runOf(Fleet fleet, ContainerInfo c, String instance) {
        return c.name().startsWith(fleet.containerName(instance) + OneOffRun.RUN);
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Folders and files on disk; call with the fleet lock held. */
    public static List<String> onDisk(Fleet fleet) {
        List<String> done = new ArrayList<>();
        Path instances = fleet.instancesDir();
        if (Files.isDirectory(instances, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.list(instances)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    Matcher aside = ASIDE.matcher(n);
                    if (CREATE.matcher(n).matches() || STAGING.matcher(n).matches()) {
                        AtomicFiles.deleteTree(p);
                        done.add("removed " + p + ", left by an interrupted create or restore");
                    } else if (!n.startsWith(".") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        for (Path c : children(p)) {
                            if (SESSIONS_STAGING
                                    .matcher(c.getFileName().toString())
                                    .matches()) {
                                AtomicFiles.deleteTree(c);
                                done.add("removed " + c + ", left by an interrupted sessions restore");
                            }
                        }
                    } else if (aside.matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        String name = aside.group(1);
                        if (!fleet.exists(name)) {
                            AtomicFiles.moveDirectory(p, fleet.instanceDir(name));
                            done.add("put " + name + "'s folder back from " + p + " (a restore was interrupted"
                                    + " between its two renames)");
                        } else {
                            Path t = new Trash(fleet).putAside(p, name);
                            done.add("moved " + name + "'s replaced folder " + p + " to " + t
                                    + " (a restore was interrupted before removing it)");
                        }
                    }
                }
            } catch (IOException e) {
                done.add("could not tidy " + instances + ": " + e.getMessage());
            }
        }
        Path runtime = fleet.runtimeDir();
        if (Files.isDirectory(runtime, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.list(runtime)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    if (n.endsWith(".partial") || (n.startsWith(".context-") && n.endsWith(".tar"))) {
                        AtomicFiles.deleteTree(p);
                        done.add("removed " + p + ", left by an interrupted runtime build");
                    }
                }
            } catch (IOException e) {
                done.add("could not tidy " + runtime + ": " + e.getMessage());
            }
        }
        return done;
    }

    /**
     * Containers renamed aside by an interrupted recreate (NAME-replaced-ID): removed when the instance has its
     * container again; else renamed back, and started if the instance is meant to run.
     */
    public static List<String> containers(Fleet fleet, FleetContainers containers) {
        List<String> done = new ArrayList<>();
        FleetContainers.Observed seen = containers.observe();
        for (ContainerInfo c : seen.leftovers()) {
            String instance = c.label(dev.agentctl.spec.ContainerSpec.LABEL_INSTANCE);
            if (runOf(fleet, c, instance)
                    && (c.state() == dev.agentctl.engine.ContainerState.EXITED
                            || c.state() == dev.agentctl.engine.ContainerState.DEAD)) {
                containers.engine().remove(c.id());
                done.add("removed " + c.name() + ", the container of an agentctl run whose agentctl was killed");
                continue;
            }
            if (!c.name().startsWith(fleet.containerName(instance) + FleetContainers.REPLACED)) {
                continue;
            }
            Optional<ContainerInfo> proper =
                    Optional.ofNullable(seen.byInstance().get(instance));
            if (proper.isPresent()) {
                containers.engine().remove(c.id());
                done.add("removed " + c.name() + ", the old container of an interrupted recreate of " + instance);
            } else {
                containers.engine().rename(c.id(), fleet.containerName(instance));
                boolean start = new FleetState(fleet).get(instance).desired() != FleetState.Desired.STOPPED;
                if (start && !c.state().wasRunning()) {
                    containers.engine().start(c.id());
                }
                done.add("put back " + instance + "'s container (" + c.name() + ") after an interrupted recreate"
                        + (start ? " and started it" : ""));
            }
        }
        return done;
    }
}
