package dev.agentctl.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A {@link TarReader.Sink} that writes the entries into a folder no one else uses (a staging folder): folders as
 * real folders, files created new (owner-only until their mode is set), symlinks last, after every file and folder,
 * so that no write ever goes through one; then folder modes and times, deepest first. Nothing is followed.
 * Ownership is not restored.
 */
public final class Extractor implements TarReader.Sink {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final Path root;
    private final boolean created;
    private final List<TarReader.Entry> links = new ArrayList<>();
    private final List<TarReader.Entry> dirs = new ArrayList<>();
    private Path current;

    /** Writes into {@code target}, which must be absent or an empty folder. */
    public Extractor(Path target) throws IOException {
        this.root = target.toAbsolutePath().normalize();
        this.created = prepare(root);
    }

    /**
     * Reads {@code in} into {@code target} (absent, or an empty folder). On any failure everything written below it
     * is removed again, and the target too if this call made it: a refused archive leaves nothing.
     */
    public static TarReader.Result extract(
            java.io.InputStream in, Path target, String prefix, TarReader.Other other, TarReader.Budget budget)
            throws IOException {
        Extractor x = new Extractor(target);
        try {
            return TarReader.read(in, prefix, other, x, budget);
        } catch (IOException | RuntimeException | Error e) {
            x.abort(e);
            throw e;
        }
    }

    /** Removes everything written (and the target, if it was made here); a failure to do so is added to {@code e}. */
    public void abort(Throwable e) {
        try {
            if (created) {
                UntrustedDir.deleteTree(root);
            } else {
                try (Stream<Path> s = Files.list(root)) {
                    for (Path p : s.toList()) {
                        UntrustedDir.deleteTree(p);
                    }
                }
            }
        } catch (IOException cleanup) {
            e.addSuppressed(cleanup);
        }
    }

    private static boolean prepare(Path root) throws IOException {
        if (Files.isSymbolicLink(root)) throw new IOException("extraction target " + root + " is a symlink");
        if (Files.exists(root, NOFOLLOW)) {
            if (!Files.isDirectory(root, NOFOLLOW))
                throw new IOException("extraction target " + root + " is not a folder");
            try (Stream<Path> s = Files.list(root)) {
                if (s.findAny().isPresent()) throw new IOException("extraction target " + root + " is not empty");
            }
            return false;
        }
        Files.createDirectories(root);
        return true;
    }

    private Path resolve(List<String> segments) {
        Path p = root;
        for (String s : segments) {
            p = p.resolve(s);
        }
        return p;
    }

    /** Makes the folders of {@code segments} (all of them, or all but the last); each must be a real folder. */
    private void folders(TarReader.Entry e, int count) throws IOException {
        Path p = root;
        for (int i = 0; i < count; i++) {
            p = p.resolve(e.segments().get(i));
            BasicFileAttributes a = attrs(p);
            if (a == null) {
                Files.createDirectory(p);
            } else if (!a.isDirectory()) {
                throw new TarReader.UnsafeArchiveException(
                        e.path(), "path goes through the non-folder " + root.relativize(p));
            }
        }
    }

    private static BasicFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void directory(TarReader.Entry e) throws IOException {
        folders(e, e.segments().size());
        dirs.add(e);
    }

    @Override
    public OutputStream file(TarReader.Entry e) throws IOException {
        folders(e, e.segments().size() - 1);
        current = resolve(e.segments());
        if (attrs(current) != null) {
            throw new TarReader.UnsafeArchiveException(e.path(), "already exists");
        }
        // created owner-only, so that a secret is never readable by others before its mode is set
        return Channels.newOutputStream(Files.newByteChannel(
                current,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, NOFOLLOW),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
    }

    @Override
    public void fileDone(TarReader.Entry e) throws IOException {
        FileModes.set(current, e.mode());
        Files.getFileAttributeView(current, BasicFileAttributeView.class, NOFOLLOW)
                .setTimes(e.mtime(), null, null);
    }

    @Override
    public void symlink(TarReader.Entry e) {
        links.add(e);
    }

    @Override
    public void finish() throws IOException {
        for (TarReader.Entry e : links) {
            folders(e, e.segments().size() - 1);
            Path link = resolve(e.segments());
            try {
                Files.createSymbolicLink(link, Path.of(e.target()));
            } catch (FileAlreadyExistsException x) {
                throw new TarReader.UnsafeArchiveException(e.path(), "already exists");
            }
            Files.getFileAttributeView(link, BasicFileAttributeView.class, NOFOLLOW)
                    .setTimes(e.mtime(), null, null);
        }
        dirs.sort(Comparator.comparingInt((TarReader.Entry d) -> d.segments().size())
                .reversed());
        for (TarReader.Entry d : dirs) {
            Path p = resolve(d.segments());
            if (!d.segments().isEmpty()) {
                // the top folder keeps the owner-only mode it was made with: an archive's 0777 there would let
                // anyone on this host into the staged tree while it is checked
                FileModes.set(p, d.mode());
            }
            Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW)
                    .setTimes(d.mtime(), null, null);
        }
    }
}
