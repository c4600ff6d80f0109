package dev.agentctl.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** An append-only file of agentctl's own, rotated like logrotate: FILE.1 (newest) ... FILE.KEEP. */
public final class RotatingFile {
    public static final long MAX_BYTES = 10L << 20;
    public static final int KEEP = 7;

    private RotatingFile() {}

    /** Appends {@code text}, first rotating when the file has reached {@link #MAX_BYTES}. */
    public static void append(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        if (Files.isRegularFile(file) && Files.size(file) >= MAX_BYTES) {
            for (int i = KEEP - 1; i >= 1; i--) {
                Path from = rotation(file, i);
                if (Files.exists(from)) {
                    Files.move(from, rotation(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, rotation(file, 1), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** FILE.n (n 0: FILE itself). */
    public static Path rotation(Path file, int n) {
        return n == 0 ? file : file.resolveSibling(file.getFileName() + "." + n);
    }
}
