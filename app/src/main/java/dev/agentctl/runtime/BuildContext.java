package dev.agentctl.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** A Docker build context: a tar of named files and, optionally, a source folder under src/. */
final class BuildContext {
    /** Folders of a Python checkout that never belong in a build (and would make the hash unstable). */
    static final Set<String> SKIP = Set.of(
            ".git",
            "__pycache__",
            ".venv",
            "venv",
            "build",
            "dist",
            ".tox",
            ".mypy_cache",
            ".pytest_cache",
            "node_modules");

    private BuildContext() {}

    /** Files of a source folder, in a stable order, without the folders above or *.pyc / *.egg-info. */
    static List<Path> sourceFiles(Path source) throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> {
                        for (Path part : source.relativize(p)) {
                            String n = part.toString();
                            if (SKIP.contains(n) || n.endsWith(".egg-info")) {
                                return false;
                            }
                        }
                        return !p.toString().endsWith(".pyc");
                    })
                    .sorted()
                    .toList();
        }
    }

    /** Writes the context tar to a temporary file and returns it (the caller deletes it). */
    static Path write(Path tmpDir, java.util.Map<String, byte[]> files, Path source) throws IOException {
        Path tar = Files.createTempFile(tmpDir, ".context-", ".tar");
        try (OutputStream out = Files.newOutputStream(tar);
                TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            t.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (var e : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                entry.setMode(e.getKey().startsWith("agent-") ? 0755 : 0644);
                t.putArchiveEntry(entry);
                t.write(e.getValue());
                t.closeArchiveEntry();
            }
            if (source != null) {
                for (Path p : sourceFiles(source)) {
                    TarArchiveEntry entry = new TarArchiveEntry(p.toFile(), "src/" + source.relativize(p));
                    t.putArchiveEntry(entry);
                    try (InputStream in = Files.newInputStream(p)) {
                        in.transferTo(t);
                    }
                    t.closeArchiveEntry();
                }
            }
        }
        return tar;
    }
}
