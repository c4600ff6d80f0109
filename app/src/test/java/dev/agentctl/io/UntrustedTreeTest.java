package dev.agentctl.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an agent can do to its tree that a plain open cannot survive: leases, FIFOs, absurd depth. */
class UntrustedTreeTest {
    @TempDir
    Path tmp;

    /** A process holding a write lease on {@code file} (as the agent can on its own files) until killed. */
    Process lease(Path file) throws Exception {
        Process p = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import fcntl, os, signal, sys, time\n"
                                + "signal.signal(signal.SIGIO, signal.SIG_IGN)\n" // never gives the lease up
                                + "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
                                + "fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)\n"
                                + "print('leased', flush=True)\n"
                                + "time.sleep(120)\n",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        String said = new String(p.getInputStream().readNBytes(7), StandardCharsets.UTF_8);
        assertThat(said).as("the lease was taken").isEqualTo("leased\n");
        return p;
    }

    @Test
    void aFileLeaseTheAgentHoldsDoesNotKeepAgentctlWaiting() throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("inst/workspace"));
        Path soul = Files.writeString(ws.resolve("SOUL.md"), "# soul\n");
        Process holder = lease(soul);
        try {
            long start = System.nanoTime();
            try (UntrustedDir dir = UntrustedDir.open(tmp.resolve("inst"), "workspace")) {
                assertThatThrownBy(() -> StallGuard.run(Duration.ofMillis(500), () -> dir.read("SOUL.md", 1024)))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("gave up")
                        .hasMessageContaining("SOUL.md")
                        .hasMessageContaining("file lease");
            }
            // the kernel would have kept the open (and the folder handle's close) waiting for lease-break-time,
            // 45 s by default
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aFifoWhereAFolderWasDoesNotKeepAgentctlWaitingForever() throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("inst/workspace"));
        assertThat(new ProcessBuilder("mkfifo", ws.resolve("memory").toString())
                        .start()
                        .waitFor())
                .isZero();
        long start = System.nanoTime();
        try (UntrustedDir dir = UntrustedDir.open(tmp.resolve("inst"), "workspace")) {
            // what a swap between the look and the open leaves: an open of a FIFO taken for a folder, which
            // waits for a writer that never comes
            assertThatThrownBy(() -> StallGuard.run(Duration.ofMillis(500), () -> dir.dir("memory")))
                    .hasMessageContaining("gave up")
                    .hasMessageContaining("memory");
            // through the handle, a FIFO is never opened as a file
            assertThatThrownBy(() -> dir.read("memory", 10)).hasMessageContaining("not a regular file");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        // the stuck open is given a writer (read-write: this open never waits), so no thread is left behind
        try (var w = java.nio.channels.FileChannel.open(
                ws.resolve("memory"), java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            assertThat(w.isOpen()).isTrue();
        }
    }

    @Test
    void aTreeThousandsOfFoldersDeepIsDeletedWithoutRunningOutOfStackOrPath() throws Exception {
        Path top = Files.createDirectories(tmp.resolve("deep"));
        // made through folder handles, as an agent would: no path that deep can be named at once
        Process p = new ProcessBuilder(
                        "python3",
                        "-c",
                        "import os, sys\n"
                                + "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
                                + "for i in range(3000):\n"
                                + "    os.mkdir('d', dir_fd=fd)\n"
                                + "    open('f', 'w', opener=lambda n, f: os.open(n, f, dir_fd=fd)).write('x')\n"
                                + "    nfd = os.open('d', os.O_RDONLY, dir_fd=fd); os.close(fd); fd = nfd\n",
                        top.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();

        UntrustedDir.deleteTree(top);

        assertThat(top).doesNotExist();
        assertThat(tmp).isEmptyDirectory();
    }
}
