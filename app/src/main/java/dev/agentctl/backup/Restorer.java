package dev.agentctl.backup;

import dev.agentctl.io.Extractor;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Restores a backup archive into an instance folder: extracts it (with {@link ArchiveCheck}, bounded by its manifest) into a hidden
 * temporary folder beside the destination, checks every extracted file against the manifest, then swaps it in
 * (old folder renamed aside, new one renamed in, old one deleted; on failure the old one is put back).
 * On failure nothing is left behind and the destination is as it was.
 *
 * <p>Stopping the instance first is the caller's business. File ownership is not restored (files belong to
 * the user running the restore); permission bits and mtimes are.
 */
public final class Restorer {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private Restorer() {}

    public static Manifest restore(Path archive, Path destination) throws IOException {
        return restore(archive, destination, ArchiveCheck.Limits.defaults());
    }

    public static Manifest restore(Path archive, Path destination, ArchiveCheck.Limits limits) throws IOException {
        try (Staged staged = stage(archive, destination, limits)) {
            staged.swapIn();
            return staged.manifest();
        }
    }

    /**
     * An archive extracted into a hidden folder beside its destination and checked file by file against its
     * manifest (this is the verification: nothing is swapped in unless every byte matched). Closing it without
     * {@link #swapIn()} deletes the staging folder, so a refused archive leaves nothing.
     */
    public static final class Staged implements AutoCloseable {
        private final Path staging;
        private final Path dest;
        private final Manifest manifest;
        private boolean swapped;

        private Staged(Path staging, Path dest, Manifest manifest) {
            this.staging = staging;
            this.dest = dest;
            this.manifest = manifest;
        }

        public Manifest manifest() {
            return manifest;
        }

        /** The staged folder: checked against the manifest, not yet seen by any container. */
        public Path path() {
            return staging;
        }

        /** Renames the staged folder into place (the previous one, if any, aside and then deleted). */
        public void swapIn() throws IOException {
            Restorer.swapIn(staging, dest, dest.getParent(), "." + dest.getFileName());
            swapped = true;
        }

        @Override
        public void close() throws IOException {
            if (!swapped) {
                UntrustedDir.deleteTree(staging);
            }
        }
    }

    public static Staged stage(Path archive, Path destination, ArchiveCheck.Limits limits) throws IOException {
        Path dest = destination.toAbsolutePath().normalize();
        Path parent = dest.getParent();
        Files.createDirectories(parent);
        String base = "." + dest.getFileName();
        Path staging = Files.createTempDirectory(parent, base + ".restore-");
        Extractor into = new Extractor(staging);
        try {
            long free = Files.getFileStore(staging).getUsableSpace();
            ArchiveCheck.Outcome o = ArchiveCheck.read(
                    archive,
                    into,
                    new ArchiveCheck.Limits(limits.maxEntries(), limits.maxBytes(), Math.min(limits.freeBytes(), free)),
                    true);
            if (!o.ok()) {
                List<String> problems = o.problems();
                throw new IOException("its files do not match its manifest: "
                        + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                        + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
            }
            return new Staged(staging, dest, o.manifest());
        } catch (IOException | RuntimeException | Error e) {
            into.abort(e);
            try {
                UntrustedDir.deleteTree(staging);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static void swapIn(Path staging, Path dest, Path parent, String base) throws IOException {
        if (!Files.exists(dest, NOFOLLOW)) {
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
            BackupWriter.fsyncFolder(parent);
            return;
        }
        Path aside = Files.createTempDirectory(parent, base + ".old-");
        Files.delete(aside); // only its unique name is wanted
        Files.move(dest, aside, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(staging, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.move(aside, dest, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException back) {
                e.addSuppressed(new IOException("could not put the previous folder back; it is at " + aside, back));
            }
            throw e;
        }
        BackupWriter.fsyncFolder(parent);
        try {
            UntrustedDir.deleteTree(aside);
        } catch (IOException e) {
            throw new IOException(
                    "restored " + dest + ", but removing the previous copy at " + aside + " failed: " + e.getMessage(),
                    e);
        }
    }
}
