package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * One agentctl at a time changes a fleet: an OS file lock on .agentctl.lock in the fleet root (released by the
 * kernel if the process dies). A second one waits up to {@code wait}, then gives up with exit 5.
 */
public final class FleetLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private FleetLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static FleetLock acquire(Fleet fleet, Duration wait) {
        Path file = fleet.root().resolve(".agentctl.lock");
        Instant deadline = Instant.now().plus(wait);
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            while (true) {
                FileLock l;
                try {
                    l = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    l = null;
                }
                if (l != null) {
                    return new FleetLock(ch, l);
                }
                if (Instant.now().isAfter(deadline)) {
                    ch.close();
                    throw new AgentctlException(
                            AgentctlException.LOCKED,
                            "another agentctl is working on the fleet in " + fleet.root() + " (lock " + file
                                    + " held for more than " + wait.toSeconds() + " s); try again later");
                }
                Thread.sleep(200);
            }
        } catch (IOException e) {
            throw AgentctlException.failed("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AgentctlException.failed("interrupted while waiting for the fleet lock", e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the kernel releases it with the process anyway
        }
    }
}
