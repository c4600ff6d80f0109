package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.ArchiveCheck;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.OneOff;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceFiles;
import dev.agentctl.fleet.Layout;
import dev.agentctl.fleet.Scaffolder;
import dev.agentctl.fleet.Storage;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.Extractor;
import dev.agentctl.io.TarReader;
import dev.agentctl.io.TarWriter;
import dev.agentctl.io.Unclosing;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * The two volumes of an instance in volume storage (config and workspace), reached only through the engine: made and
 * filled from a folder agentctl wrote or checked itself, drained back into a folder as a hostile archive, removed. The
 * engine's archive API does the moving, in a throwaway container that is never started.
 */
public final class InstanceVolumes implements Scaffolder.Volumes {
    public static final List<String> PARTS = List.of("config", "workspace");
    private static final String MOUNT = "/v";

    private final Fleet fleet;
    private final ContainerEngine engine;

    public InstanceVolumes(Fleet fleet, ContainerEngine engine) {
        this.fleet = fleet;
        this.engine = engine;
    }

    public List<String> names(String instance) {
        return PARTS.stream().map(p -> fleet.volumeName(instance, p)).toList();
    }

    /** Which of the instance's volume names exist in the engine (also ones agentctl did not make). */
    public List<String> existing(String instance) {
        List<String> all = engine.volumes(Map.of());
        return names(instance).stream().filter(all::contains).toList();
    }

    /** Refuses to make volumes over ones that exist: whoever made them, their data is not agentctl's to take. */
    public void requireNone(String instance) {
        List<String> there = existing(instance);
        if (!there.isEmpty()) {
            throw AgentctlException.badInput("volume " + there.get(0) + " exists already; remove it (docker volume rm "
                    + String.join(" ", there) + ") if its data is not needed, and try again");
        }
    }

    /**
     * Makes the instance's volumes afresh and fills them from {@code folder}'s config/ (all but config.json, which
     * stays on the host) and workspace/, owned by the container's user. {@code folder} is agentctl's own: scaffolded,
     * migrated, or extracted and checked; existing volumes of the instance are removed first (no container may use
     * them).
     */
    @Override
    public void fill(Instance i, Path folder) throws IOException {
        String image = image(i);
        remove(i.name());
        requireNone(i.name());
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ContainerSpec.LABEL_FLEET, fleet.config().name());
        labels.put(ContainerSpec.LABEL_FLEET_ID, fleet.id());
        labels.put(ContainerSpec.LABEL_INSTANCE, i.name());
        List<ContainerSpec.Mount> mounts = new ArrayList<>();
        for (String part : PARTS) {
            engine.createVolume(fleet.volumeName(i.name(), part), labels);
            mounts.add(ContainerSpec.Mount.volume(fleet.volumeName(i.name(), part), MOUNT + "/" + part));
        }
        Files.createDirectories(fleet.stateDir());
        Path tmp = Files.createTempFile(
                fleet.stateDir(), ".volumes-", ".tar", PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_FILE));
        try (FileChannel ch = FileChannel.open(
                tmp, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE)) {
            try (TarWriter tar = new TarWriter(new BufferedOutputStream(new Unclosing(Channels.newOutputStream(ch))))
                    .ownedBy(Layout.CONTAINER_UID)) {
                for (String part : PARTS) {
                    Path dir = folder.resolve(part);
                    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException(dir + " is not a folder");
                    }
                    List<Path> paths;
                    try (Stream<Path> walk = Files.walk(dir)) {
                        paths = walk.sorted()
                                .filter(p -> !p.equals(folder.resolve(Instance.CONFIG_JSON)))
                                .toList();
                    }
                    tar.tree(dir, part, paths);
                }
                tar.finish();
            }
            ch.position(0);
            String helper = engine.createOneOff(new OneOff(image, null, List.of("true"), mounts, null));
            try {
                engine.copyIn(helper, MOUNT, Channels.newInputStream(ch));
            } finally {
                engine.remove(helper);
            }
        }
    }

    /**
     * Reads the instance's data out into {@code into}/config and {@code into}/workspace (both absent before), config.json
     * included, as its container sees it. What comes out is the agent's: read as a hostile archive, never a link
     * followed, within a restore's limits and the free space here; given to the container's user as a bind folder is.
     */
    public void drain(Instance i, Path into) throws IOException {
        String image = image(i);
        String helper =
                engine.createOneOff(new OneOff(image, null, List.of("true"), SpecBuilder.dataMounts(fleet, i), null));
        try {
            long free = Files.getFileStore(into).getUsableSpace();
            TarReader.Budget budget = new TarReader.Budget(
                    Math.min(free, ArchiveCheck.Limits.DEFAULT_BYTES), ArchiveCheck.Limits.DEFAULT_ENTRIES);
            for (String part : PARTS) {
                String path = part.equals("config") ? Layout.CONFIG_DIR : Layout.WORKSPACE_DIR;
                String base = path.substring(path.lastIndexOf('/') + 1);
                try (InputStream in = engine.copyOut(helper, path)) {
                    Extractor.extract(in, into.resolve(part), base, InstanceVolumes::outside, budget);
                }
            }
        } finally {
            engine.remove(helper);
        }
        InstanceFiles.handToContainerUser(into);
    }

    /**
     * Makes {@code i}'s folder a whole bind folder: its data read out of the volumes into config/ and workspace/, and
     * instance.yaml saying storage bind. No container may run on the volumes (the data would go on changing); the
     * volumes stay until {@link #remove}.
     */
    public Instance drainInto(Instance i) throws IOException {
        Path folder = i.dir();
        Path tmp = Files.createTempDirectory(
                folder.getParent(),
                "." + i.name() + "-drain-",
                PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
        try {
            drain(i, tmp);
            Files.move(folder.resolve("config"), tmp.resolve("config.old")); // config.json only: it came out too
            Files.move(tmp.resolve("config"), folder.resolve("config"));
            Files.move(tmp.resolve("workspace"), folder.resolve("workspace"));
            Instance bind = i.withStorage(Storage.BIND);
            InstanceFiles.writeSettings(folder, bind);
            return bind;
        } finally {
            AtomicFiles.deleteTree(tmp);
        }
    }

    private static void outside(String name, TarArchiveEntry header, InputStream data) throws IOException {
        throw new TarReader.UnsafeArchiveException(name, "outside the folder asked for");
    }

    /** Removes the instance's volumes that agentctl made for this fleet (ones already gone are fine). */
    @Override
    public void remove(String instance) {
        List<String> ours = engine.volumes(
                Map.of(ContainerSpec.LABEL_FLEET_ID, fleet.id(), ContainerSpec.LABEL_INSTANCE, instance));
        for (String v : names(instance)) {
            if (ours.contains(v)) {
                engine.removeVolume(v);
            }
        }
    }

    /** The runtime image the throwaway container is made of (it never starts, but needs an image). */
    private String image(Instance i) {
        String image = SpecBuilder.build(fleet, i).image();
        if (engine.image(image).isEmpty()) {
            throw AgentctlException.badInput(
                    "runtime image " + image + " is missing: run 'agentctl runtime build' first (volume storage moves"
                            + " data through a container of it)");
        }
        return image;
    }

    /** Whether {@code i} keeps its data in volumes. */
    public boolean uses(Instance i) {
        return i.effectiveStorage(fleet.config()) == Storage.VOLUME;
    }
}
