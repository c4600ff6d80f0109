package dev.agentctl.engine.docker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Turns log frames (which may split or join lines) into whole lines. */
final class LineSplitter {
    /** A longer line (a container decides what it logs) is passed on in pieces of this size. */
    static final int MAX_LINE = 64 * 1024;

    private final Consumer<String> line;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    LineSplitter(Consumer<String> line) {
        this.line = line;
    }

    synchronized void accept(byte[] bytes) {
        for (byte b : bytes) {
            if (b == '\n') {
                emit();
            } else {
                buf.write(b);
                if (buf.size() >= MAX_LINE) {
                    emit();
                }
            }
        }
    }

    synchronized void flush() {
        if (buf.size() > 0) {
            emit();
        }
    }

    private void emit() {
        String s = buf.toString(StandardCharsets.UTF_8);
        buf.reset();
        line.accept(s.endsWith("\r") ? s.substring(0, s.length() - 1) : s);
    }
}
