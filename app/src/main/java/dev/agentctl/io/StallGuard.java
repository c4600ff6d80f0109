package dev.agentctl.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Work on a tree an agent can write to, run on a worker thread and given up when it stops making progress. An open
 * there can block where no check can prevent it (a FIFO swapped in between the check and the open, a file lease
 * the agent holds), and a blocked open cannot be interrupted; so agentctl never waits on one. {@link UntrustedDir}
 * reports progress before every step that can block; when there is none for the allowed quiet time, the caller
 * gets an error naming the step, and the stuck worker (a daemon thread) is left behind and fails at its next step.
 */
public final class StallGuard {
    /** How long a single file of a tree may keep agentctl waiting. */
    public static final Duration QUIET = Duration.ofSeconds(10);

    private static final ThreadLocal<StallGuard> CURRENT = new ThreadLocal<>();

    /** Set once any work was given up: its worker may still hold folder handles open (see {@link #close}). */
    private static volatile boolean anyAbandoned;

    private volatile long lastTick = System.nanoTime();
    private volatile String doing = "starting";
    private volatile boolean abandoned;

    private StallGuard() {}

    public interface Work<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} (which must only touch the tree through {@link UntrustedDir}), giving up as above. */
    public static <T> T run(Duration quiet, Work<T> work) throws IOException {
        if (CURRENT.get() != null) {
            return work.run(); // already guarded: the outer guard watches this too
        }
        StallGuard g = new StallGuard();
        FutureTask<T> task = new FutureTask<>(() -> {
            CURRENT.set(g);
            try {
                return work.run();
            } finally {
                CURRENT.remove();
            }
        });
        Thread t = new Thread(task, "agentctl-untrusted-io");
        t.setDaemon(true);
        t.start();
        long quietNanos = quiet.toNanos();
        while (true) {
            try {
                return task.get(Math.max(10, quiet.toMillis() / 10), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() - g.lastTick > quietNanos) {
                    g.abandoned = true;
                    anyAbandoned = true;
                    throw new IOException("gave up after " + quiet.toSeconds() + " s without progress while "
                            + g.doing + " (something the agent put there keeps it from being opened: a FIFO or"
                            + " a file lease)");
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) throw io;
                if (c instanceof RuntimeException re) throw re;
                if (c instanceof Error err) throw err;
                throw new IOException(c);
            } catch (InterruptedException e) {
                g.abandoned = true;
                anyAbandoned = true;
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while " + g.doing);
            }
        }
    }

    /**
     * Closes a handle on an untrusted tree. A folder handle cannot be closed while another thread is in an open
     * through it, so once some work was given up (its worker may be stuck in such an open for good), handles are
     * closed on a daemon thread: the caller never waits for the stuck one.
     */
    static void close(java.io.Closeable handle) throws IOException {
        if (!anyAbandoned) {
            handle.close();
            return;
        }
        Thread t = new Thread(
                () -> {
                    try {
                        handle.close();
                    } catch (IOException ignored) {
                        // nothing to tell anyone: the work it served was given up
                    }
                },
                "agentctl-untrusted-close");
        t.setDaemon(true);
        t.start();
    }

    /** Progress of the guarded work on this thread (no-op when unguarded); fails once the work was given up. */
    public static void tick(String doing) throws IOException {
        StallGuard g = CURRENT.get();
        if (g == null) {
            return;
        }
        if (g.abandoned) {
            throw new IOException("given up: " + g.doing);
        }
        g.doing = doing;
        g.lastTick = System.nanoTime();
    }
}
