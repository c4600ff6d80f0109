package dev.agentctl.io;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/** How archives are compressed: zstd (several threads) or gzip; read by their first bytes, whatever the name says. */
public enum Compression {
    ZSTD(".tar.zst"),
    GZIP(".tar.gz");

    private final String suffix;

    Compression(String suffix) {
        this.suffix = suffix;
    }

    public String suffix() {
        return suffix;
    }

    public static Compression parse(String name) {
        for (Compression c : values()) {
            if (c.name().toLowerCase(Locale.ROOT).equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression '" + name + "'");
    }

    /** A compressing stream over {@code out}; closing it finishes the compressed stream and closes {@code out}. */
    public OutputStream compress(OutputStream out, int threads) throws IOException {
        if (this == ZSTD) {
            ZstdOutputStream z = new ZstdOutputStream(out, 3);
            if (threads > 1) {
                // 1 MiB jobs: the workers' buffers take ~15 MiB instead of ~65 MiB at the default size, same ratio
                z.setWorkers(threads).setJobSize(1 << 20);
            }
            z.setChecksum(true);
            return z;
        }
        GzipParameters p = new GzipParameters();
        p.setCompressionLevel(6);
        return new GzipCompressorOutputStream(out, p);
    }

    /** The decompressed content of {@code in}: zstd or gzip by its magic bytes, else as it is (a plain tar). */
    public static InputStream decompress(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        b.mark(4);
        int b0 = b.read();
        int b1 = b.read();
        int b2 = b.read();
        int b3 = b.read();
        b.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new GzipCompressorInputStream(b);
        }
        if (b0 == 0x28 && b1 == 0xb5 && b2 == 0x2f && b3 == 0xfd) {
            return new BufferedInputStream(new ZstdInputStream(b), 1 << 16);
        }
        return b;
    }

    /** The compression of an archive's file name (".tar.zst" or ".tar.gz"), or null. */
    public static Compression ofName(String fileName) {
        for (Compression c : values()) {
            if (fileName.endsWith(c.suffix)) {
                return c;
            }
        }
        return null;
    }
}
