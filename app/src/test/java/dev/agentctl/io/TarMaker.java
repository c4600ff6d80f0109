package dev.agentctl.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipEncodingHelper;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds (possibly hostile) tar archives in memory for tests, with commons-compress. */
public final class TarMaker {

    private interface Step {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private final List<Step> steps = new ArrayList<>();
    private long mtimeMillis = 1_700_000_000_000L;

    public static TarMaker tar() {
        return new TarMaker();
    }

    public TarMaker file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public TarMaker file(String name, byte[] content, int mode) {
        steps.add(tar -> {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
            e.setSize(content.length);
            e.setMode(0100000 | mode);
            e.setModTime(mtimeMillis);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        });
        return this;
    }

    public TarMaker dir(String name, int mode) {
        steps.add(tar -> {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
            e.setMode(040000 | mode);
            e.setModTime(mtimeMillis);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        });
        return this;
    }

    public TarMaker symlink(String name, String target) {
        return special(name, TarConstants.LF_SYMLINK, target);
    }

    public TarMaker hardlink(String name, String target) {
        return special(name, TarConstants.LF_LINK, target);
    }

    public TarMaker charDevice(String name) {
        return special(name, TarConstants.LF_CHR, null);
    }

    public TarMaker blockDevice(String name) {
        return special(name, TarConstants.LF_BLK, null);
    }

    public TarMaker fifo(String name) {
        return special(name, TarConstants.LF_FIFO, null);
    }

    private TarMaker special(String name, byte flag, String link) {
        steps.add(tar -> {
            TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
            if (link != null) e.setLinkName(link);
            e.setModTime(mtimeMillis);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
        });
        return this;
    }

    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            for (Step s : steps) s.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public byte[] gzip() {
        return gzip(bytes());
    }

    public static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A lone file header that claims {@code claimedSize} bytes (written in base-256, as GNU tar does for sizes
     * over 8 GiB), followed by only {@code actualBytes} bytes of data and no end marker.
     */
    public static byte[] headerClaiming(String name, long claimedSize, int actualBytes) {
        try {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
            e.setSize(claimedSize);
            e.setMode(0100644);
            byte[] header = new byte[512];
            e.writeEntryHeader(header, ZipEncodingHelper.getZipEncoding("UTF-8"), true);
            byte[] out = new byte[512 + actualBytes];
            System.arraycopy(header, 0, out, 0, 512);
            java.util.Arrays.fill(out, 512, out.length, (byte) 'x');
            return out;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
