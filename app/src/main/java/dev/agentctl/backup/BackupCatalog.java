package dev.agentctl.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.io.Compression;
import dev.agentctl.io.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Lists the backups under a backups folder ({@code <dir>/<instance>/<instance>-<stamp>.tar.zst}, or .tar.gz).
 *
 * <p>Instance and time come from the manifest, never from the file name or mtime. The manifest is taken from
 * the sidecar {@code <archive>.manifest.json} that {@link BackupWriter} writes next to each archive (renamed
 * into place before the archive, so a listed archive normally has one), when the sidecar names this archive
 * and records its current size; otherwise it is read from the archive itself, which means decompressing it to
 * the end. The sidecar is what keeps {@code backup list} and retention runs cheap: they touch a few hundred
 * bytes per backup instead of every backup's full content. Hidden files (partial writes) are ignored.
 */
public final class BackupCatalog {

    /** @param fromSidecar whether the manifest was read from the sidecar (false: from the archive) */
    public record Backup(Path archive, String instance, Instant createdAt, long size, boolean fromSidecar) {}

    /** @param problems archives that could not be listed (no readable manifest), one line each */
    public record Listing(List<Backup> backups, List<String> problems) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private BackupCatalog() {}

    /** The backups of every instance, newest first. */
    public static Listing listAll(Path backupsDir) throws IOException {
        List<Backup> backups = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(backupsDir)) return new Listing(backups, problems);
        for (Path dir : children(backupsDir)) {
            if (!BackupWriter.NAME.matcher(dir.getFileName().toString()).matches() || !Files.isDirectory(dir, NOFOLLOW))
                continue;
            Listing one = list(backupsDir, dir.getFileName().toString());
            backups.addAll(one.backups());
            problems.addAll(one.problems());
        }
        backups.sort(NEWEST_FIRST);
        return new Listing(List.copyOf(backups), List.copyOf(problems));
    }

    /** The backups of one instance, newest first. */
    public static Listing list(Path backupsDir, String instance) throws IOException {
        if (!BackupWriter.NAME.matcher(instance).matches())
            throw new IllegalArgumentException("bad instance name: " + instance);
        List<Backup> backups = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Path dir = backupsDir.resolve(instance);
        if (!Files.isDirectory(dir, NOFOLLOW)) return new Listing(backups, problems);
        for (Path p : children(dir)) {
            String n = p.getFileName().toString();
            if (hidden(p) || !BackupWriter.isArchiveName(n) || !Files.isRegularFile(p, NOFOLLOW)) continue;
            try {
                Found f = manifestOf(p);
                if (!instance.equals(f.manifest.instance())) {
                    problems.add(p + ": manifest names instance '" + f.manifest.instance() + "', folder is '" + instance
                            + "'");
                }
                backups.add(new Backup(p, f.manifest.instance(), f.manifest.createdAt(), Files.size(p), f.fromSidecar));
            } catch (IOException e) {
                problems.add(p + ": " + e.getMessage());
            }
        }
        backups.sort(NEWEST_FIRST);
        return new Listing(List.copyOf(backups), List.copyOf(problems));
    }

    /** The newest backup of one instance; empty when it has none or its folder cannot be listed. */
    public static java.util.Optional<Backup> newest(Path backupsDir, String instance) {
        try {
            return list(backupsDir, instance).backups().stream().findFirst();
        } catch (IOException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Every visible archive in the backups folder's instance folders, sorted, whether its manifest can be
     * read or not (what {@code backup verify --all} checks). Hidden files (partial writes) and folders are skipped.
     */
    public static List<Path> archives(Path backupsDir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(backupsDir)) return out;
        for (Path dir : children(backupsDir)) {
            if (hidden(dir) || !Files.isDirectory(dir, NOFOLLOW)) continue;
            for (Path p : children(dir)) {
                if (!hidden(p)
                        && BackupWriter.isArchiveName(p.getFileName().toString())
                        && Files.isRegularFile(p, NOFOLLOW)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The visible archives of one instance's sessions ({@code sessions archive}), oldest first. */
    public static List<Path> sessionArchives(Path backupsDir, String instance) throws IOException {
        Path dir = BackupWriter.sessionsFolder(backupsDir, instance);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir, NOFOLLOW)) return out;
        for (Path p : children(dir)) {
            if (!hidden(p)
                    && BackupWriter.isArchiveName(p.getFileName().toString())
                    && Files.isRegularFile(p, NOFOLLOW)) {
                out.add(p);
            }
        }
        out.sort(null);
        return out;
    }

    /** The archive's manifest, from its sidecar when that is current, else from the archive. */
    public static Manifest readManifest(Path archive) throws IOException {
        return manifestOf(archive).manifest;
    }

    /** Deletes a backup: the archive, then its sidecar. */
    public static void delete(Path archive) throws IOException {
        Files.deleteIfExists(archive);
        Files.deleteIfExists(BackupWriter.sidecarOf(archive));
        BackupWriter.fsyncFolder(archive.toAbsolutePath().getParent());
    }

    private static final Comparator<Backup> NEWEST_FIRST = Comparator.comparing(Backup::createdAt)
            .reversed()
            .thenComparing(b -> b.archive().getFileName().toString(), Comparator.reverseOrder());

    private record Found(Manifest manifest, boolean fromSidecar) {}

    private static Found manifestOf(Path archive) throws IOException {
        Path sidecar = BackupWriter.sidecarOf(archive);
        if (Files.isRegularFile(sidecar, NOFOLLOW)) {
            try {
                JsonNode side = JSON.readTree(sidecar.toFile());
                if (archive.getFileName().toString().equals(side.path("archive").asText())
                        && side.path("archiveSize").asLong(-1) == Files.size(archive)) {
                    return new Found(Manifest.fromTree(side.get("manifest")), true);
                }
            } catch (IOException ignored) {
                // a damaged sidecar: fall back to the archive
            }
        }
        return new Found(manifestFromArchive(archive), false);
    }

    /**
     * The manifest.json in the archive itself: its first entry (this agentctl's archives: only the start is read), or
     * its last (agentctl 0.1's: read to the end).
     */
    static Manifest manifestFromArchive(Path archive) throws IOException {
        byte[] json = null;
        String last = null;
        try (InputStream in = Files.newInputStream(archive, NOFOLLOW);
                TarArchiveInputStream tar = TarReader.tarStream(Compression.decompress(in))) {
            TarArchiveEntry e;
            boolean first = true;
            while ((e = tar.getNextEntry()) != null) {
                last = e.getName();
                if (TarReader.normalizeName(last).equals(Manifest.ENTRY_NAME)) {
                    json = ArchiveCheck.readManifest(tar, e.getSize());
                    if (first) {
                        break; // format 2: the manifest comes first
                    }
                } else {
                    json = null; // format 1: a manifest must be the last entry
                }
                first = false;
            }
        } catch (IOException e) {
            throw new IOException(
                    "unreadable archive" + (last == null ? "" : " after entry '" + last + "'") + ": "
                            + BackupWriter.describe(e),
                    e);
        }
        if (json == null) throw new IOException("no manifest.json as its first or last entry");
        return Manifest.parse(json);
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }
}
