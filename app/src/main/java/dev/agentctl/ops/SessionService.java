package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.backup.ArchiveCheck;
import dev.agentctl.backup.BackupCatalog;
import dev.agentctl.backup.BackupVerifier;
import dev.agentctl.backup.BackupWriter;
import dev.agentctl.backup.Manifest;
import dev.agentctl.backup.Restorer;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.InstanceFiles;
import dev.agentctl.fleet.SessionFiles;
import dev.agentctl.io.Compression;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.StallGuard;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code agentctl sessions archive} and {@code sessions restore}. Archiving writes the chosen sessions into an archive
 * beside the instance's backups (the backup format, manifest and checks, {@code contents: sessions}), holding a
 * running instance as a backup does, verifies it, and only then removes from the live folder, while the instance is
 * held again, each file whose bytes still match the archive. Restoring extracts an archive checked file by file into a
 * hidden folder and moves the sessions into the folder the instance's agent reads, never over a live one.
 */
public final class SessionService {
    /** {@code archive} null when nothing was idle long enough; {@code kept} the files that changed meanwhile. */
    public record Archived(String instance, Path archive, int sessions, long bytes, List<String> kept, Duration held) {}

    public record Restored(String instance, String folder, List<String> sessions, long bytes) {}

    private final Fleet fleet;
    private final FleetContainers containers;

    /** {@code containers} null: no engine (only for stopped fleets, as in unit tests of the files). */
    public SessionService(Fleet fleet, FleetContainers containers) {
        this.fleet = fleet;
        this.containers = containers;
    }

    /** The sessions whose last activity is older than {@code now - olderThan}. */
    public static List<SessionFiles.Session> idle(SessionFiles.Listing l, Duration olderThan, Instant now) {
        Instant before = now.minus(olderThan);
        return l.sessions().stream()
                .filter(s -> s.lastActivity().isBefore(before))
                .toList();
    }

    public Archived archive(Instance i, List<SessionFiles.Session> chosen) throws IOException {
        String name = i.name();
        if (chosen.isEmpty()) {
            return new Archived(name, null, 0, 0, List.of(), null);
        }
        fleet.requireRealFolder(name);
        // what each chosen session was when it was chosen: only that is removed
        java.util.Map<String, Instant> chosenAt = new java.util.LinkedHashMap<>();
        chosen.forEach(s -> chosenAt.put(s.path(), s.lastActivity().truncatedTo(java.time.temporal.ChronoUnit.MICROS)));
        Set<String> paths = new LinkedHashSet<>(chosenAt.keySet());
        Optional<ContainerInfo> c = containers == null ? Optional.empty() : containers.find(name);
        BackupWriter writer = new BackupWriter(
                Clock.systemUTC(), Compression.parse(fleet.config().backups().compression()));
        BackupWriter.Result r = writer.writeSessions(
                i.dir(), fleet.backupsDir(), BackupService.metadata(fleet, name, i, c), () -> hold(c, name), paths);
        BackupVerifier.Result v = BackupVerifier.check(r.archive());
        if (!v.ok()) {
            BackupCatalog.delete(r.archive()); // never one that does not verify beside the others
            throw AgentctlException.failed(
                    "the archive " + r.archive() + " of " + name + "'s sessions did not verify ("
                            + String.join("; ", v.problems()) + "); nothing was removed",
                    null);
        }
        List<String> kept = new ArrayList<>();
        long bytes = 0;
        int removed = 0;
        long start = System.nanoTime();
        try (AutoCloseable held = hold(c, name)) {
            // a file that keeps its open waiting (a lease) ends the removal, not the hold: the rest stay live
            long[] done = StallGuard.run(StallGuard.QUIET, () -> {
                long[] n = {0, 0};
                for (Manifest.FileEntry f : r.manifest().files()) {
                    if (f.type() != Manifest.Type.FILE) {
                        continue;
                    }
                    StallGuard.tick("removing " + f.path());
                    if (f.mtime().equals(chosenAt.get(f.path())) && removeIfUnchanged(i.dir(), f)) {
                        n[0]++;
                        n[1] += f.size();
                    } else {
                        kept.add(f.path()); // written to since it was chosen
                    }
                }
                return n;
            });
            removed = (int) done[0];
            bytes = done[1];
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(
                    "the archive " + r.archive() + " was written and verified, but removing the live sessions stopped: "
                            + BackupWriter.describe(e) + "; those not removed stay live",
                    e);
        }
        Duration held = r.quiesced().plusNanos(System.nanoTime() - start);
        return new Archived(
                name,
                r.archive(),
                removed,
                bytes,
                kept,
                c.isPresent() && c.get().running() ? held : null);
    }

    /** Removes the live file when its bytes are still exactly the archived ones (read through a handle). */
    private static boolean removeIfUnchanged(Path instanceDir, Manifest.FileEntry f) throws IOException {
        List<String> parts = UntrustedDir.parts(f.path());
        String file = parts.get(parts.size() - 1);
        try (UntrustedDir top = UntrustedDir.open(instanceDir, parts.get(0))) {
            UntrustedDir d = top.resolveDir(String.join("/", parts.subList(1, parts.size() - 1)));
            if (!d.stat(file).map(a -> a.isRegularFile()).orElse(false)) {
                return false;
            }
            MessageDigest digest = Hashing.sha256();
            long n = 0;
            try (SeekableByteChannel ch = d.openFile(file);
                    InputStream in = Channels.newInputStream(ch)) {
                byte[] buf = new byte[1 << 16];
                int r;
                while (n <= f.size() && (r = in.read(buf)) > 0) {
                    digest.update(buf, 0, r);
                    n += r;
                }
            }
            if (n != f.size() || !Hashing.hex(digest).equals(f.sha256())) {
                return false;
            }
            d.deleteFile(file);
            return true;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    /** Pauses a running container until closed, recorded and given back as a backup's hold is. */
    private AutoCloseable hold(Optional<ContainerInfo> c, String name) throws Exception {
        return containers == null
                ? () -> {}
                : new BackupService(fleet, containers)
                        .quiescer(c, name, "pause")
                        .quiesce();
    }

    /**
     * Puts sessions of {@code archive} (all, or those named) back where the instance's agent reads them. Refused,
     * changing nothing, when the archive is no sessions archive, does not verify, lacks a named session, or a live
     * session has the same name.
     */
    /** Where sessions are in an archive: either layout's folder, nothing else. */
    private static final java.util.regex.Pattern SESSION_PATH = java.util.regex.Pattern.compile(
            "(workspace/sessions|config/sessions/[0-9a-f]{32})/[A-Za-z0-9_.-]+\\.jsonl");

    public Restored restore(Instance i, Path archive, List<String> ids, String layout) throws IOException {
        if (!Files.isRegularFile(archive, LinkOption.NOFOLLOW_LINKS)) {
            throw AgentctlException.badInput("no sessions archive '" + archive + "'");
        }
        Manifest m;
        try {
            m = BackupCatalog.readManifest(archive);
        } catch (IOException e) {
            throw AgentctlException.badInput("refusing '" + archive + "': cannot read its manifest: " + e.getMessage());
        }
        if (!m.sessionsOnly()) {
            throw AgentctlException.badInput("refusing '" + archive + "': it is a backup of an instance, not an archive"
                    + " of sessions; use agentctl restore");
        }
        String folder = SessionFiles.restoreFolder(i.dir(), layout);
        Set<String> live = new java.util.HashSet<>();
        SessionFiles.list(i.dir()).sessions().forEach(s -> live.add(s.id()));
        long bytes = 0;
        List<String> done = new ArrayList<>();
        try (Restorer.Staged staged =
                Restorer.stage(archive, i.dir().resolve("sessions-restore"), ArchiveCheck.Limits.defaults())) {
            // what was extracted and checked, not what a file read before said
            List<Manifest.FileEntry> chosen = choose(staged.manifest(), ids, archive);
            Set<String> names = new java.util.HashSet<>();
            for (Manifest.FileEntry f : chosen) {
                if (live.contains(id(f)) || !names.add(id(f))) {
                    throw AgentctlException.badInput("refusing to restore session '" + id(f) + "' into " + i.name()
                            + ": "
                            + (live.contains(id(f))
                                    ? "the instance has a live session of that name"
                                    : "the" + " archive holds two of that name")
                            + "; nothing was restored");
                }
            }
            Optional<ContainerInfo> c = containers == null ? Optional.empty() : containers.find(i.name());
            int uid = InstanceFiles.containerOwner();
            List<String> parts = UntrustedDir.parts(folder);
            try (AutoCloseable held = hold(c, i.name());
                    UntrustedDir top = UntrustedDir.open(i.dir(), parts.get(0))) {
                UntrustedDir d = top;
                for (String p : parts.subList(1, parts.size())) {
                    d = d.ensureDir(p, uid);
                }
                for (Manifest.FileEntry f : chosen) {
                    Path file = staged.path().resolve(f.path());
                    if (uid >= 0) {
                        Files.setAttribute(file, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                        Files.setAttribute(file, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
                    }
                    d.placeNew(file.getFileName().toString(), file); // the agent is held: nothing races this
                    done.add(id(f));
                    bytes += f.size();
                }
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw AgentctlException.failed(
                        e.getFile() + " appeared meanwhile; restored before it: " + String.join(", ", done), e);
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(BackupWriter.describe(e), e);
            }
        }
        return new Restored(i.name(), folder, done, bytes);
    }

    /** The sessions of the archive that are asked for (all when none are named); an unknown one is refused. */
    private static List<Manifest.FileEntry> choose(Manifest m, List<String> ids, Path archive) {
        List<Manifest.FileEntry> all = m.files().stream()
                .filter(f -> f.type() == Manifest.Type.FILE
                        && SESSION_PATH.matcher(f.path()).matches())
                .toList();
        if (ids.isEmpty()) {
            return all;
        }
        List<Manifest.FileEntry> chosen = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            chosen.add(all.stream()
                    .filter(e -> id(e).equals(id))
                    .findFirst()
                    .orElseThrow(() -> AgentctlException.badInput("no session '" + id + "' in " + archive
                            + " (it holds: "
                            + String.join(
                                    ", ", all.stream().map(SessionService::id).toList()) + ")")));
        }
        return chosen;
    }

    private static String id(Manifest.FileEntry f) {
        String n = f.path().substring(f.path().lastIndexOf('/') + 1);
        return n.substring(0, n.length() - ".jsonl".length());
    }
}
