package dev.agentctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/**
 * One agentctl at a time changes a fleet: an OS file lock on .agentctl/lock (released by the kernel if the process
 * dies), whose content names the holder (pid, command, since when). A second agentctl says at once that it waits
 * and for whom, waits up to its limit, then gives up with exit 5 naming the holder.
 */
public final class FleetLock implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final FileChannel channel;
    private final FileLock lock;

    private FleetLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * @param command what this agentctl does, as the holder is named to others ("agentctl backup")
     * @param notice  told once, when the lock is taken by another and this one starts waiting
     */
    public static FleetLock acquire(Fleet fleet, Duration wait, String command, Consumer<String> notice) {
        Path file = fleet.stateDir().resolve("lock");
        Instant deadline = Instant.now().plus(wait);
        Thread hook = null;
        try {
            Files.createDirectories(file.getParent());
            FileChannel ch = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            try {
                while (true) {
                    FileLock l;
                    try {
                        l = ch.tryLock();
                    } catch (OverlappingFileLockException e) {
                        l = null;
                    }
                    if (l != null) {
                        writeHolder(ch, command);
                        return new FleetLock(ch, l);
                    }
                    String holder = holder(file);
                    if (Instant.now().isAfter(deadline) || wait.isZero()) {
                        ch.close();
                        throw new AgentctlException(
                                AgentctlException.LOCKED,
                                "another agentctl is working on the fleet"
                                        + " in " + fleet.root() + ": " + holder
                                        + (wait.isZero() ? "" : "; waited " + human(wait))
                                        + " (give more time with --wait D)");
                    }
                    if (hook == null) {
                        notice.accept("waiting for the fleet lock, held by " + holder + " (up to " + human(wait) + ")");
                        String what = holder;
                        hook = new Thread(() -> {
                            PrintWriter err = new PrintWriter(System.err, true);
                            err.println("agentctl: stopped waiting for the fleet lock (held by " + what
                                    + "); nothing was done");
                        });
                        Runtime.getRuntime().addShutdownHook(hook);
                    }
                    Thread.sleep(200);
                }
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw AgentctlException.failed("cannot lock " + file + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw AgentctlException.failed("interrupted while waiting for the fleet lock", e);
        } finally {
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // shutting down: the hook says what it stopped
                }
            }
        }
    }

    private static void writeHolder(FileChannel ch, String command) throws IOException {
        var node = JSON.createObjectNode();
        node.put("pid", ProcessHandle.current().pid());
        node.put("command", command);
        node.put("since", Instant.now().toString());
        byte[] b = (JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(b), 0);
        ch.force(false);
    }

    /** "pid 123 (agentctl backup) since 2026-12-02 10:42:01", or what can be said when the file says nothing. */
    static String holder(Path file) {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(file));
            if (n != null && n.has("pid")) {
                String since = n.path("since").asText("");
                try {
                    since = TIME.format(Instant.parse(since));
                } catch (RuntimeException ignored) {
                    // shown as written
                }
                return "pid " + n.path("pid").asLong() + " ("
                        + n.path("command").asText("agentctl") + ") since " + since;
            }
        } catch (IOException | RuntimeException ignored) {
            // being written, or from an older agentctl
        }
        return "another agentctl process";
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? s + " s" : s % 60 == 0 ? s / 60 + " min" : s / 60 + " min " + s % 60 + " s";
    }

    @Override
    public void close() {
        try {
            channel.truncate(0);
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the kernel releases it with the process anyway
        }
    }
}
