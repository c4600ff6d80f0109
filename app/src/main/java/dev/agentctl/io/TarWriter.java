package dev.agentctl.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The one tar writer: POSIX (PAX) long names, big numbers and non-ASCII names, UTF-8; entries added one by one. It
 * does not close the stream it writes to unless {@link #close()} is called; {@link #finish()} writes the end marker.
 */
public final class TarWriter implements Closeable {
    private final TarArchiveOutputStream tar;

    public TarWriter(OutputStream out) {
        tar = new TarArchiveOutputStream(out, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    private int owner = -1;

    /** Every entry put from now on is owned by {@code uid} (group the same), not by root. */
    public TarWriter ownedBy(int uid) {
        this.owner = uid;
        return this;
    }

    /** An entry header; for a file, {@code size} bytes must follow through {@link #stream()} before the next. */
    public void put(TarArchiveEntry entry) throws IOException {
        if (owner >= 0) {
            entry.setUserId(owner);
            entry.setGroupId(owner);
        }
        tar.putArchiveEntry(entry);
    }

    /** Where a file entry's bytes go. */
    public OutputStream stream() {
        return tar;
    }

    public void closeEntry() throws IOException {
        tar.closeArchiveEntry();
    }

    public void file(String name, byte[] content, int mode, FileTime mtime) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        e.setSize(content.length);
        e.setMode(0100000 | mode);
        if (mtime != null) {
            e.setModTime(mtime);
        }
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    public static TarArchiveEntry directory(String name, int mode, FileTime mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR);
        e.setMode(040000 | mode);
        e.setModTime(mtime);
        return e;
    }

    public static TarArchiveEntry symlink(String name, String target, FileTime mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0120777);
        e.setModTime(mtime);
        return e;
    }

    public static TarArchiveEntry regular(String name, long size, int mode, FileTime mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
        e.setSize(size);
        e.setMode(0100000 | mode);
        e.setModTime(mtime);
        return e;
    }

    /**
     * A whole folder that agentctl made itself (a runtime build, a build context): files, folders and symlinks under
     * {@code prefix} (no prefix: "" ), sorted, links stored as links, never followed.
     */
    public void tree(Path dir, String prefix, List<Path> only) throws IOException {
        List<Path> paths;
        if (only != null) {
            paths = only;
        } else {
            try (Stream<Path> walk = Files.walk(dir)) {
                paths = walk.sorted().toList();
            }
        }
        for (Path p : paths) {
            String rel = dir.relativize(p).toString();
            String name = prefix.isEmpty() ? rel : rel.isEmpty() ? prefix : prefix + "/" + rel;
            if (name.isEmpty()) {
                continue;
            }
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int mode = FileModes.bits(a.permissions());
            if (a.isSymbolicLink()) {
                put(symlink(name, Files.readSymbolicLink(p).toString(), a.lastModifiedTime()));
                closeEntry();
            } else if (a.isDirectory()) {
                put(directory(name, mode, a.lastModifiedTime()));
                closeEntry();
            } else if (a.isRegularFile()) {
                put(regular(name, a.size(), mode, a.lastModifiedTime()));
                try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                    copyExactly(in, tar, a.size());
                }
                closeEntry();
            }
        }
    }

    /** Copies exactly {@code size} bytes (what the header promised), no more, failing if there are fewer. */
    static void copyExactly(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new IOException("file shrank while it was archived");
            }
            out.write(buf, 0, n);
            left -= n;
        }
    }

    public void finish() throws IOException {
        tar.finish();
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
