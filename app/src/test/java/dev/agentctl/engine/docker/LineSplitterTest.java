package dev.agentctl.engine.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log lines as a container writes them: split at newlines, and a line without end never held whole. */
class LineSplitterTest {
    @Test
    void linesAreSplitAtNewlinesAcrossFramesAndCarriageReturnsDropped() {
        List<String> got = new ArrayList<>();
        LineSplitter s = new LineSplitter(got::add);
        s.accept("one\r\ntw".getBytes(StandardCharsets.UTF_8));
        s.accept("o\nthree".getBytes(StandardCharsets.UTF_8));
        s.flush();
        assertThat(got).containsExactly("one", "two", "three");
    }

    @Test
    void aHugeLineWithoutANewlineComesInBoundedPieces() {
        List<Integer> sizes = new ArrayList<>();
        LineSplitter s = new LineSplitter(l -> sizes.add(l.length()));
        byte[] frame = new byte[16 * 1024];
        java.util.Arrays.fill(frame, (byte) 'x');
        for (int i = 0; i < 64; i++) { // 1 MiB, no newline
            s.accept(frame);
        }
        s.flush();
        assertThat(sizes).hasSize(16).allMatch(n -> n <= LineSplitter.MAX_LINE);
    }
}
