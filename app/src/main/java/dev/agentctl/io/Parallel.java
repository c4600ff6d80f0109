package dev.agentctl.io;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Blocking calls (to the engine, mostly) side by side, up to {@link #MAX} at once: a parallel stream would run only
 * as many at once as the machine has cores, and these calls wait rather than compute.
 */
public final class Parallel {
    public static final int MAX = 16;

    private Parallel() {}

    /** {@code fn} of each item, in the items' order; the first failure (in that order) is thrown. */
    public static <T, R> List<R> map(List<T> items, Function<T, R> fn) {
        return map(items, MAX, fn);
    }

    /** As {@link #map(List, Function)}, up to {@code width} at once. */
    public static <T, R> List<R> map(List<T> items, int width, Function<T, R> fn) {
        if (items.size() <= 1) {
            return items.stream().map(fn).toList();
        }
        ExecutorService pool = pool(Math.min(width, items.size()));
        try {
            List<R> out = new ArrayList<>();
            for (Future<R> f : submit(pool, items, fn)) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            throw interrupted(e);
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * {@code fn} of each item, all at once, in the items' order; empty for an item whose call failed or had not ended
     * within {@code limit} (it is left running, on a daemon thread).
     */
    public static <T, R> List<Optional<R>> within(List<T> items, Duration limit, Function<T, R> fn) {
        if (items.isEmpty()) {
            return List.of();
        }
        ExecutorService pool = pool(items.size());
        try {
            List<Optional<R>> out = new ArrayList<>();
            long deadline = System.nanoTime() + limit.toNanos();
            for (Future<R> f : submit(pool, items, fn)) {
                try {
                    out.add(Optional.ofNullable(
                            f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)));
                } catch (ExecutionException | TimeoutException e) {
                    out.add(Optional.empty());
                }
            }
            return out;
        } catch (InterruptedException e) {
            throw interrupted(e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The result of a task started earlier, its failure rethrown as it was. */
    public static <R> R join(CompletableFuture<R> task) {
        try {
            return task.join();
        } catch (CompletionException e) {
            throw rethrown(e.getCause());
        }
    }

    private static ExecutorService pool(int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "agentctl-parallel");
            t.setDaemon(true);
            return t;
        });
    }

    private static <T, R> List<Future<R>> submit(ExecutorService pool, List<T> items, Function<T, R> fn) {
        List<Future<R>> futures = new ArrayList<>();
        for (T item : items) {
            futures.add(pool.submit(() -> fn.apply(item)));
        }
        return futures;
    }

    private static RuntimeException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IllegalStateException("interrupted", e);
    }

    private static RuntimeException rethrown(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            return r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(cause);
    }
}
