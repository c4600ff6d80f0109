package dev.agentctl.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Reads an untrusted tar stream (plain, gzip or zstd) and hands each entry under a prefix, checked, to a
 * {@link Sink}: the one definition of what agentctl accepts from an archive, the same for extracting and for
 * verifying. Accepted: files, folders and symlinks (to anywhere: they are made after everything else and never
 * followed) with relative names without ".." or NUL. Refused: hard links, devices, FIFOs, sparse files, unknown
 * types, duplicate names, more entries or bytes than the {@link Budget}, and a stream without its end marker. A
 * file's size is never trusted: its bytes are counted as they come, and it stops the moment the budget is spent.
 */
public final class TarReader {
    public enum Kind {
        FILE,
        DIR,
        SYMLINK
    }

    /** One checked entry; {@code path} is relative to the prefix ("" for the top folder). */
    public record Entry(
            String path,
            List<String> segments,
            Kind kind,
            long size,
            int mode,
            FileTime mtime,
            String target,
            String sha256) {}

    /** Where accepted entries go: written out, or only looked at. */
    public interface Sink {
        void directory(Entry e) throws IOException;

        /** Where a file's bytes go (null: nowhere); {@link #fileDone} follows with its digest. */
        OutputStream file(Entry e) throws IOException;

        void fileDone(Entry e) throws IOException;

        /** A symlink; a sink must make links only in {@link #finish}, after every other entry. */
        void symlink(Entry e) throws IOException;

        void finish() throws IOException;
    }

    /** Entries outside the prefix (a backup's manifest.json): the name, the header and the data (bounded). */
    public interface Other {
        void accept(String name, TarArchiveEntry header, InputStream data) throws IOException;
    }

    /** The most this reading may take; it can be tightened while reading (by a manifest that comes first). */
    public static final class Budget {
        private long bytes;
        private long entries;

        public Budget(long bytes, long entries) {
            this.bytes = bytes;
            this.entries = entries;
        }

        public synchronized void limit(long maxBytes, long maxEntries) {
            bytes = Math.min(bytes, maxBytes);
            entries = Math.min(entries, maxEntries);
        }

        private long stream = -1;

        /**
         * What a manifest declared: the whole decompressed stream may then hold those bytes plus headers for those
         * entries and some slack, and no more (a bomb is stopped however its bytes are hidden).
         */
        public synchronized void declare(long declaredBytes, long declaredEntries) {
            stream = allowance(declaredBytes, declaredEntries + 16);
        }

        /** The most the decompressed stream may hold now. */
        synchronized long streamLimit() {
            return stream >= 0 ? stream : allowance(bytes, entries);
        }

        /** Bytes plus a header block per entry and slack, saturating at Long.MAX_VALUE (no budget means none). */
        private static long allowance(long bytes, long entries) {
            long headers = entries > Long.MAX_VALUE / 8192 ? Long.MAX_VALUE : entries * 4096;
            long sum = bytes + headers;
            if (sum < 0 || sum > Long.MAX_VALUE - (80L << 20)) return Long.MAX_VALUE;
            return sum + (80L << 20);
        }

        public synchronized long bytes() {
            return bytes;
        }

        public synchronized long entries() {
            return entries;
        }
    }

    /** Every accepted entry by path, in archive order, with the sha256 of each file's bytes as read. */
    public record Result(Map<String, Entry> entries, long bytes) {}

    private TarReader() {}

    public static Result read(InputStream raw, String prefix, Other other, Sink sink, Budget budget)
            throws IOException {
        TailWindow tail;
        try {
            tail = new TailWindow(new Capped(Compression.decompress(raw), budget));
        } catch (IOException e) {
            throw new UnsafeArchiveException("unreadable archive: " + reason(e), e);
        }
        TarArchiveInputStream tar = tarStream(tail);
        List<String> pre = prefix == null ? List.of() : segments(prefix);
        Map<String, Entry> seen = new LinkedHashMap<>();
        long bytes = 0;
        long count = 0;
        String last = null;
        while (true) {
            TarArchiveEntry h;
            try {
                h = tar.getNextEntry();
            } catch (IOException | RuntimeException e) {
                throw new UnsafeArchiveException(
                        "archive is truncated or corrupt"
                                + (last == null ? "" : " after entry '" + printable(last) + "'") + ": " + reason(e),
                        e);
            }
            if (h == null) {
                break;
            }
            last = h.getName();
            List<String> segs = segments(last);
            if (!startsWith(segs, pre)) {
                if (other == null) {
                    throw new UnsafeArchiveException(last, "not under " + prefix + "/");
                }

                try {
                    other.accept(String.join("/", segs), h, new Bounded(tar, h.getSize()));
                } catch (UnsafeArchiveException e) {
                    throw e;
                } catch (IOException e) {
                    throw new UnsafeArchiveException(last, reason(e));
                }
                continue;
            }
            if (++count > budget.entries()) {
                throw new UnsafeArchiveException(last, "more than " + budget.entries() + " entries");
            }
            List<String> rel = segs.subList(pre.size(), segs.size());
            String path = String.join("/", rel);
            if (seen.containsKey(path)) {
                throw new UnsafeArchiveException(last, "a second entry of the same name");
            }
            int mode = h.getMode() & 0777;
            FileTime mtime = h.getLastModifiedTime();
            Entry e;
            try {
                if (h.isSymbolicLink()) {
                    String target = h.getLinkName();
                    if (rel.isEmpty()) throw new UnsafeArchiveException(last, "a symlink cannot be the top folder");
                    if (target == null || target.isEmpty())
                        throw new UnsafeArchiveException(last, "symlink without a target");
                    if (target.indexOf('\0') >= 0)
                        throw new UnsafeArchiveException(last, "symlink target contains a NUL");
                    e = new Entry(path, rel, Kind.SYMLINK, 0, mode, mtime, target, null);
                    sink.symlink(e);
                } else if (h.isLink()) {
                    throw new UnsafeArchiveException(last, "hard links are not allowed");
                } else if (h.isCharacterDevice() || h.isBlockDevice()) {
                    throw new UnsafeArchiveException(last, "device files are not allowed");
                } else if (h.isFIFO()) {
                    throw new UnsafeArchiveException(last, "FIFOs are not allowed");
                } else if (h.isDirectory()) {
                    e = new Entry(path, rel, Kind.DIR, 0, mode, mtime, null, null);
                    sink.directory(e);
                } else if (isRegular(h)) {
                    if (h.isSparse()) throw new UnsafeArchiveException(last, "sparse files are not supported");
                    if (rel.isEmpty()) throw new UnsafeArchiveException(last, "a file cannot be the top folder");
                    long size = h.getSize();
                    if (size < 0 || size > budget.bytes() - bytes) {
                        throw new UnsafeArchiveException(
                                last,
                                "declares " + size + " bytes, over the remaining " + Math.max(0, budget.bytes() - bytes)
                                        + "-byte budget");
                    }
                    Entry pending = new Entry(path, rel, Kind.FILE, size, mode, mtime, null, null);
                    MessageDigest d = Hashing.sha256();
                    long n = copy(tar, sink.file(pending), d, budget.bytes() - bytes, last);
                    bytes += n;
                    e = new Entry(path, rel, Kind.FILE, n, mode, mtime, null, Hashing.hex(d));
                    sink.fileDone(e);
                } else {
                    throw new UnsafeArchiveException(last, "unsupported entry type '" + (char) h.getLinkFlag() + "'");
                }
            } catch (UnsafeArchiveException x) {
                throw x;
            }
            seen.put(path, e);
        }
        if (!tail.endsWithZeroBlock()) {
            // a stream cut at a 512-byte boundary reads like a shorter archive: only the missing end marker tells
            throw UnsafeArchiveException.of(
                    last == null
                            ? "not a tar archive (no entries, no end marker)"
                            : "tar archive ends without its end marker after entry '" + printable(last)
                                    + "' (truncated?)");
        }
        drain(tail);
        sink.finish();
        return new Result(seen, bytes);
    }

    /**
     * Copies a file's bytes, counting them; more than {@code left} is refused at once. A failure to read is the
     * archive's (truncated, corrupt); a failure to write is this host's, and stays what it is.
     */
    private static long copy(InputStream in, OutputStream out, MessageDigest d, long left, String name)
            throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        while (true) {
            int r;
            try {
                r = in.read(buf);
            } catch (IOException e) {
                throw new UnsafeArchiveException(
                        "archive is truncated or corrupt in entry '" + printable(name) + "': " + reason(e), e);
            }
            if (r < 0) {
                break;
            }
            n += r;
            if (n > left) {
                throw new UnsafeArchiveException(name, "more bytes than the budget allows");
            }
            d.update(buf, 0, r);
            if (out != null) {
                out.write(buf, 0, r);
            }
        }
        if (out != null) {
            out.close();
        }
        return n;
    }

    /** Metadata entries (PAX headers, GNU long names) larger than this are refused before they are read. */
    static final long MAX_META = 1 << 20;

    /**
     * A tar reader that refuses a PAX header or GNU long name larger than {@link #MAX_META} before reading it
     * (commons-compress would hold any size in memory).
     */
    public static TarArchiveInputStream tarStream(InputStream decompressed) {
        return new TarArchiveInputStream(decompressed, StandardCharsets.UTF_8.name()) {
            @Override
            protected byte[] readRecord() throws IOException {
                byte[] r = super.readRecord();
                if (r != null && r.length >= 512) {
                    byte type = r[156];
                    if (type == 'x' || type == 'g' || type == 'X' || type == 'L' || type == 'K') {
                        long size = org.apache.commons.compress.archivers.tar.TarUtils.parseOctalOrBinary(r, 124, 12);
                        if (size < 0 || size > MAX_META) {
                            throw UnsafeArchiveException.of("refused tar metadata entry of " + size
                                    + " bytes (a PAX header or long name; at most " + MAX_META + ")");
                        }
                    }
                }
                return r;
            }
        };
    }

    /** The decompressed stream, refused the moment it holds more than the budget allows. */
    private static final class Capped extends java.io.FilterInputStream {
        private final Budget budget;
        private long read;

        Capped(InputStream in, Budget budget) {
            super(in);
            this.budget = budget;
        }

        private int count(int n) throws IOException {
            if (n > 0 && (read += n) > budget.streamLimit()) {
                throw UnsafeArchiveException.of("the archive decompresses to more than its manifest allows ("
                        + budget.streamLimit() + " bytes): a compression bomb?");
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return count(in.read(b, off, len));
        }

        @Override
        public long skip(long n) throws IOException {
            long s = in.skip(n);
            count((int) Math.min(Integer.MAX_VALUE, s));
            return s;
        }
    }

    /** Reads to the end, so that gzip's CRC and zstd's checksum are checked too. */
    private static void drain(InputStream in) throws UnsafeArchiveException {
        byte[] buf = new byte[1 << 16];
        try {
            while (in.read(buf) >= 0) {
                // padding after the tar end marker
            }
        } catch (IOException e) {
            throw new UnsafeArchiveException("archive is corrupt after its last entry: " + reason(e), e);
        }
    }

    private static boolean startsWith(List<String> segs, List<String> pre) {
        return segs.size() >= pre.size() && segs.subList(0, pre.size()).equals(pre);
    }

    /** A regular file entry (the three link flags tar uses for one). */
    public static boolean isRegular(TarArchiveEntry e) {
        byte f = e.getLinkFlag();
        return f == TarConstants.LF_NORMAL || f == TarConstants.LF_OLDNORM || f == TarConstants.LF_CONTIG;
    }

    /**
     * A checked entry name as its parts ("./a//b/" gives [a, b]; "" for the top folder). Refuses absolute names,
     * ".." parts and NUL characters.
     */
    public static List<String> segments(String name) throws UnsafeArchiveException {
        if (name == null || name.isEmpty()) throw new UnsafeArchiveException(name, "empty name");
        if (name.indexOf('\0') >= 0) throw new UnsafeArchiveException(name, "name contains a NUL character");
        if (name.startsWith("/")) throw new UnsafeArchiveException(name, "absolute path");
        List<String> out = new ArrayList<>();
        for (String s : name.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..")) throw new UnsafeArchiveException(name, "path contains a '..' component");
            out.add(s);
        }
        return out;
    }

    public static String normalizeName(String name) throws UnsafeArchiveException {
        return String.join("/", segments(name));
    }

    static String printable(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 300; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    static String reason(Throwable e) {
        if (e instanceof EOFException) return "unexpected end of data (truncated archive)";
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** A refused or unreadable archive; the message is one line naming the entry and the reason. */
    public static final class UnsafeArchiveException extends IOException {
        private static final long serialVersionUID = 1L;

        public UnsafeArchiveException(String entry, String reason) {
            super("refused tar entry '" + printable(entry) + "': " + reason);
        }

        public UnsafeArchiveException(String message, Throwable cause) {
            super(message, cause);
        }

        /** A refusal of the archive as a whole, not of one entry. */
        public static UnsafeArchiveException of(String message) {
            return new UnsafeArchiveException(message, (Throwable) null);
        }
    }

    /** At most {@code limit} bytes of the entry, and never closing the tar stream. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }

        @Override
        public void close() {
            // the tar stream stays open
        }
    }

    /** Remembers the last 512 bytes read, to tell a complete tar stream (ends in zero blocks) from a cut one. */
    private static final class TailWindow extends InputStream {
        private final InputStream in;
        private final byte[] ring = new byte[512];
        private long total;

        TailWindow(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) ring[(int) (total++ % ring.length)] = (byte) b;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            for (int i = 0; i < n; i++) ring[(int) (total++ % ring.length)] = b[off + i];
            return n;
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        boolean endsWithZeroBlock() {
            if (total < ring.length) return false;
            for (byte x : ring) if (x != 0) return false;
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
