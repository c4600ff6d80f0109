package dev.agentctl.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** Lets a stream on top be closed (a compressor, to finish its stream) without closing what is below it. */
public final class Unclosing extends FilterOutputStream {
    public Unclosing(OutputStream out) {
        super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
