package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.ArchiveCheck;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.OneOff;
import dev.agentctl.engine.PathStat;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Layout;
import dev.agentctl.io.Extractor;
import dev.agentctl.io.TarReader;
import dev.agentctl.io.TarWriter;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.SpecBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * {@code agentctl cp} and {@code agentctl files}: files in and out of an instance's data folders through the
 * engine's archive API, as its container sees them (the instance's own container, or a throwaway one with its mounts
 * when it has none), never by path on the host. Only paths in the data folders ({@link Layout#CONFIG_DIR} and
 * {@link Layout#WORKSPACE_DIR}, or {@code config/...} and {@code workspace/...}) are accepted, with no {@code ..}
 * and no link on the way; what comes out is read as a hostile archive.
 */
public final class FileTransfer {
    /** One entry of a folder listing. */
    public record Entry(String name, String type, long size, String mode, String mtime, String target) {}

    private final Fleet fleet;
    private final FleetContainers containers;

    public FileTransfer(Fleet fleet, FleetContainers containers) {
        this.fleet = fleet;
        this.containers = containers;
    }

    /**
     * The container path of a data path: {@code workspace/a}, {@code config/b}, or an absolute path in one of the
     * two data folders; {@code ..}, other absolute paths and control characters are refused.
     */
    public static String dataPath(String path) {
        if (path == null || path.isEmpty() || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw AgentctlException.badInput("invalid path '" + clean(path) + "'");
        }
        String p = path;
        if (p.equals("workspace") || p.startsWith("workspace/")) {
            p = Layout.WORKSPACE_DIR + p.substring("workspace".length());
        } else if (p.equals("config") || p.startsWith("config/")) {
            p = Layout.CONFIG_DIR + p.substring("config".length());
        }
        List<String> parts = new ArrayList<>();
        for (String s : p.split("/")) {
            if (s.equals("..")) {
                throw AgentctlException.badInput("refusing the path '" + clean(path) + "': '..' is not allowed");
            }
            if (!s.isEmpty() && !s.equals(".")) {
                parts.add(s);
            }
        }
        String abs = "/" + String.join("/", parts);
        for (String root : List.of(Layout.WORKSPACE_DIR, Layout.CONFIG_DIR)) {
            if (p.startsWith("/") && (abs.equals(root) || abs.startsWith(root + "/"))) {
                return abs;
            }
        }
        throw AgentctlException.badInput("refusing the path '" + clean(path) + "': only the instance's data folders"
                + " (workspace/..., config/..., or under " + Layout.WORKSPACE_DIR + " and " + Layout.CONFIG_DIR
                + ") can be reached");
    }

    private static String clean(String s) {
        return s == null ? "" : s.replaceAll("[\\p{Cntrl}]", "?");
    }

    /** The instance's container, or a throwaway one with its mounts (removed when closed). */
    private final class Target implements AutoCloseable {
        final String id;
        final boolean temporary;

        Target(Instance i) {
            java.util.Optional<ContainerInfo> c = containers.find(i.name());
            if (c.isPresent()) {
                id = c.get().id();
                temporary = false;
            } else {
                ContainerSpec spec = SpecBuilder.build(fleet, i);
                if (engine().image(spec.image()).isEmpty()) {
                    throw AgentctlException.badInput(
                            "runtime image " + spec.image() + " is missing: run 'agentctl runtime build --force'");
                }
                id = engine().createOneOff(new OneOff(spec.image(), null, List.of("true"), spec.mounts(), spec.user()));
                temporary = true;
            }
        }

        @Override
        public void close() {
            if (temporary) {
                engine().remove(id);
            }
        }
    }

    private ContainerEngine engine() {
        return containers.engine();
    }

    /** What {@code path} is in the container (a link there not followed); null when there is none. */
    private PathStat stat(String id, String path) {
        return engine().stat(id, path).orElse(null);
    }

    /** Refuses a path with a link on the way below its data folder (or, unless {@code lastMayBeLink}, at its end). */
    private void noLinks(String id, String path, boolean lastMayBeLink) {
        String root = path.startsWith(Layout.WORKSPACE_DIR) ? Layout.WORKSPACE_DIR : Layout.CONFIG_DIR;
        String at = root;
        String rest = path.substring(root.length());
        List<String> parts =
                List.of(rest.split("/")).stream().filter(s -> !s.isEmpty()).toList();
        for (int n = 0; n < parts.size(); n++) {
            at = at + "/" + parts.get(n);
            if (n == parts.size() - 1 && lastMayBeLink) {
                break;
            }
            PathStat e = stat(id, at);
            if (e != null && e.link()) {
                throw AgentctlException.badInput(
                        "refusing " + path + ": " + at + " is a link, which agentctl never follows");
            }
        }
    }

    /** The entries of a folder (or the one file) at {@code path}, by name. */
    public List<Entry> list(Instance i, String path) {
        String p = dataPath(path);
        try (Target t = new Target(i)) {
            noLinks(t.id, p, true);
            PathStat what = stat(t.id, p);
            if (what == null) {
                throw AgentctlException.badInput("no " + path + " in " + i.name());
            }
            if (!what.dir()) { // one file or link: its stat says it all, nothing is read
                return List.of(new Entry(
                        what.name(),
                        what.link() ? "symlink" : "file",
                        what.link() ? 0 : what.size(),
                        String.format("%04o", what.mode()),
                        what.mtime(),
                        what.link() ? what.linkTarget() : null));
            }
            List<Entry> out = new ArrayList<>();
            try (InputStream in = engine().copyOut(t.id, p);
                    TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                String top = null;
                long seen = 0;
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    if (++seen > ArchiveCheck.Limits.DEFAULT_ENTRIES) {
                        throw AgentctlException.failed(
                                path + " holds more than " + ArchiveCheck.Limits.DEFAULT_ENTRIES
                                        + " entries, more than agentctl lists",
                                null);
                    }
                    String name = e.getName().replaceAll("/+$", "");
                    if (top == null) {
                        top = name;
                        if (!e.isDirectory()) {
                            out.add(entry(name, e));
                            break;
                        }
                        continue;
                    }
                    String rest = name.startsWith(top + "/") ? name.substring(top.length() + 1) : null;
                    if (rest != null && !rest.isEmpty() && !rest.contains("/")) {
                        out.add(entry(rest, e)); // a direct child; what is deeper is only passed over
                    }
                }
            } catch (IOException e) {
                throw AgentctlException.failed("cannot list " + path + ": " + e.getMessage(), e);
            }
            return out;
        }
    }

    private static Entry entry(String name, TarArchiveEntry e) {
        String type =
                e.isDirectory() ? "dir" : e.isSymbolicLink() ? "symlink" : e.isFile() && !e.isLink() ? "file" : "other";
        return new Entry(
                name,
                type,
                e.isFile() ? e.getSize() : 0,
                String.format("%04o", e.getMode() & 07777),
                e.getModTime().toInstant().toString(),
                e.isSymbolicLink() ? e.getLinkName() : null);
    }

    /**
     * Copies {@code path} out of the instance to {@code dst} on the host: into {@code dst} when that is a folder, else
     * as {@code dst}; never over an existing file. Links inside are kept as links, never followed; the archive is
     * refused past the free space or the limits a restore has.
     */
    public Path copyOut(Instance i, String path, Path dst) throws IOException {
        String p = dataPath(path);
        String base = p.substring(p.lastIndexOf('/') + 1);
        Path target = Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS) ? dst.resolve(base) : dst;
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentctlException.badInput(target + " exists: agentctl cp never writes over a file");
        }
        Path parent = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentctlException.badInput("no folder " + parent + " to copy into");
        }
        refuseInstances(parent, "into");
        try (Target t = new Target(i)) {
            noLinks(t.id, p, true);
            PathStat first = stat(t.id, p);
            if (first == null) {
                throw AgentctlException.badInput("no " + path + " in " + i.name());
            }
            Path staging = Files.createTempDirectory(parent, ".agentctl-cp-");
            try {
                long free = Files.getFileStore(staging).getUsableSpace();
                TarReader.Budget budget = new TarReader.Budget(
                        Math.min(free, ArchiveCheck.Limits.DEFAULT_BYTES), ArchiveCheck.Limits.DEFAULT_ENTRIES);
                try (InputStream in = engine().copyOut(t.id, p)) {
                    if (first.dir()) {
                        Extractor.extract(in, staging.resolve(base), base, FileTransfer::outside, budget);
                    } else {
                        one(in, staging.resolve(base), free);
                    }
                }
                noWriteForOthers(staging.resolve(base));
                Files.move(staging.resolve(base), target, StandardCopyOption.ATOMIC_MOVE);
                return target;
            } finally {
                dev.agentctl.io.UntrustedDir.deleteTree(staging);
            }
        }
    }

    /**
     * What came out is the agent's: nothing of it stays writable by group or others on the host (agentctl may be
     * root). The staging folder is agentctl's own, so walking it by path is safe; links are left alone.
     */
    private static void noWriteForOthers(Path top) throws IOException {
        try (var walk = Files.walk(top)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!Files.isSymbolicLink(p)) {
                    var perms = new java.util.HashSet<>(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                    if (perms.remove(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                            | perms.remove(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
                        Files.setPosixFilePermissions(p, perms);
                    }
                }
            }
        }
    }

    /** The one file or link an archive of a file holds, written as {@code to} (never through a link). */
    private static void one(InputStream raw, Path to, long free) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(raw);
        TarArchiveEntry e = tar.getNextEntry();
        if (e == null || e.getName().contains("/")) {
            throw new TarReader.UnsafeArchiveException(e == null ? "" : e.getName(), "not the one file asked for");
        }
        if (e.isSymbolicLink()) {
            Files.createSymbolicLink(to, Path.of(e.getLinkName())); // a link stays a link, never followed
            return;
        }
        if (!e.isFile() || e.isLink()) {
            throw new TarReader.UnsafeArchiveException(e.getName(), "not a regular file");
        }
        if (e.getSize() > free) {
            throw new IOException(e.getName() + " has " + e.getSize() + " bytes, more than the " + free + " free here");
        }
        try (var out = Files.newOutputStream(
                to,
                java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            long n = tar.transferTo(out); // the entry's own bytes, as its header says
            if (n != e.getSize()) {
                throw new IOException(e.getName() + ": the archive ended early");
            }
        }
        Files.setPosixFilePermissions(to, dev.agentctl.io.FileModes.permissions(e.getMode() & 0777));
        Files.setLastModifiedTime(
                to, java.nio.file.attribute.FileTime.from(e.getModTime().toInstant()));
        if (tar.getNextEntry() != null) {
            throw new TarReader.UnsafeArchiveException(e.getName(), "more than the one file asked for");
        }
    }

    private static void outside(String name, TarArchiveEntry header, InputStream data) throws IOException {
        throw new TarReader.UnsafeArchiveException(name, "outside what was asked for");
    }

    /**
     * Copies {@code src} from the host into the instance at {@code path}: into it when that is a folder there, else
     * as it. Links in {@code src} are copied as links. The engine gives what it writes to the container's user.
     */
    public String copyIn(Instance i, Path src, String path) throws IOException {
        if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentctlException.badInput("no " + src + " to copy");
        }
        Path source = src.toAbsolutePath().normalize();
        if (source.getFileName() == null) {
            throw AgentctlException.badInput("refusing to copy " + src + ": give a file or a folder, not /");
        }
        refuseInstances(source, "from");
        String p = dataPath(path);
        try (Target t = new Target(i)) {
            noLinks(t.id, p, false);
            PathStat at = stat(t.id, p);
            String dir;
            String name;
            if (at != null && at.dir()) {
                dir = p;
                name = source.getFileName().toString();
            } else if (at != null) {
                throw AgentctlException.badInput(
                        path + " exists in " + i.name() + ": agentctl cp never writes over a file");
            } else {
                dir = p.substring(0, p.lastIndexOf('/'));
                name = p.substring(p.lastIndexOf('/') + 1);
                PathStat parent = stat(t.id, dir);
                if (parent == null || !parent.dir()) {
                    throw AgentctlException.badInput("no folder " + dir + " in " + i.name() + " to copy into");
                }
            }
            if (stat(t.id, dir + "/" + name) != null) {
                throw AgentctlException.badInput(
                        dir + "/" + name + " exists in " + i.name() + ": agentctl cp never writes over a file");
            }
            // the engine keeps the owner the archive says: the container's user
            String user = SpecBuilder.build(fleet, i).user();
            int uid = user != null && user.matches("\\d+(:\\d+)?")
                    ? Integer.parseInt(user.split(":")[0])
                    : Layout.CONTAINER_UID;
            // the whole archive first, in agentctl's own folder: a source that fails part way sends nothing
            Files.createDirectories(fleet.stateDir());
            Path tmp = Files.createTempFile(
                    fleet.stateDir(),
                    ".cp-",
                    ".tar",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(
                    tmp,
                    java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.DELETE_ON_CLOSE)) {
                try (TarWriter tar = new TarWriter(new java.io.BufferedOutputStream(
                                new dev.agentctl.io.Unclosing(java.nio.channels.Channels.newOutputStream(ch))))
                        .ownedBy(uid)) {
                    tar.tree(source, name, null);
                    tar.finish();
                } catch (IOException | RuntimeException e) {
                    throw AgentctlException.failed(
                            "cannot read " + src + ": " + e.getMessage() + "; nothing was copied", e);
                }
                ch.position(0); // the same file, read back through the handle it was written with
                engine().copyIn(t.id, dir, java.nio.channels.Channels.newInputStream(ch));
            }
            return dir + "/" + name;
        }
    }

    /**
     * Refuses a host path in the fleet's instances/ (or a link into it): the agents write there, and agentctl runs as
     * root; between instances, copy through a folder of your own, or name the instance (NAME:PATH).
     */
    private void refuseInstances(Path hostPath, String way) throws IOException {
        Path real = hostPath.toRealPath();
        Path instances = fleet.instancesDir().toAbsolutePath().normalize();
        if (Files.exists(instances)) {
            instances = instances.toRealPath();
        }
        if (real.startsWith(instances)) {
            throw AgentctlException.badInput("refusing to copy " + way + " " + hostPath + ": it is in " + instances
                    + ", which the agents write; use NAME:PATH for an instance's files");
        }
    }
}
