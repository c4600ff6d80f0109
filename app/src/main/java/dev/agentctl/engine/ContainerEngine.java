package dev.agentctl.engine;

import dev.agentctl.spec.ContainerSpec;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What agentctl needs from a container engine, in its own terms. The Docker Engine API (through docker-java) is one
 * implementation; unit tests use an in-memory one; a Swarm backend can implement the same calls with services (a
 * "container" then stands for an instance's task), so no caller changes. Every failure is an {@link EngineException}.
 * Ids are what {@link #create} and {@link #containers} return; names work wherever an id does.
 */
public interface ContainerEngine extends AutoCloseable {

    EngineInfo info();

    // ---- images

    Optional<ImageInfo> image(String ref);

    /**
     * Builds an image from a tar build context whose Dockerfile is "Dockerfile"; {@code output} sees every line.
     * Never pulls. Returns the image id; a failing build is {@link EngineException.BuildFailed}.
     */
    String buildImage(
            InputStream context, String tag, Map<String, String> args, boolean noCache, Consumer<String> output);

    /** Tags an image (id or reference) as repository:tag, moving the tag if another image had it. */
    void tagImage(String image, String repository, String tag);

    /** Removes a tag, not forced: a tag already gone, or whose image a container still uses, is left alone. */
    void untagImage(String ref);

    // ---- networks

    /**
     * Creates those of the networks that are missing, side by side (an existing one is left as it is), telling
     * {@code done} about each, by name, as soon as it exists (with null) or could not be made (with why). Throws only
     * when the engine cannot be asked at all.
     */
    void ensureNetworks(List<NetworkSpec> networks, java.util.function.BiConsumer<String, RuntimeException> done);

    Optional<NetworkInfo> network(String name);

    /** Every network carrying all of the labels. */
    List<NetworkInfo> networks(Map<String, String> labels);

    void removeNetwork(String name);

    // ---- volumes

    /** Creates a named volume (the local driver) with these labels; one that exists is left as it is. */
    void createVolume(String name, Map<String, String> labels);

    /** The names of every volume carrying all of the labels. */
    List<String> volumes(Map<String, String> labels);

    /** Removes a volume; one already gone is fine, one a container (even a stopped one) has is an error. */
    void removeVolume(String name);

    // ---- containers

    /** Every container (running or not) carrying all of the labels, inspected. */
    List<ContainerInfo> containers(Map<String, String> labels);

    Optional<ContainerInfo> inspect(String nameOrId);

    /** Creates (does not start) the container of a spec, with the secrets as its environment; returns its id. */
    String create(ContainerSpec spec, Map<String, String> secrets);

    void start(String id);

    void stop(String id, Duration timeout);

    void restart(String id, Duration timeout);

    void pause(String id);

    void unpause(String id);

    void rename(String id, String newName);

    /** Removes a container (forced: a running one is killed); one already gone is fine. */
    void remove(String id);

    /** Waits until the container exits; returns its exit code. */
    int waitForExit(String id);

    /**
     * One reading of the counters of running containers, taken together (docker's one-shot stats); a container that
     * cannot be sampled (stopped, gone) is absent.
     */
    Map<String, StatsSample> samples(Collection<String> ids);

    /** Streams log lines; returns when done (or, with follow, when the container stops). */
    default void logs(String id, LogQuery query, Consumer<String> line) {
        logsWhile(id, query, l -> {
            line.accept(l);
            return true;
        });
    }

    /** Streams log lines while {@code more} says so (false: stop reading and return). */
    void logsWhile(String id, LogQuery query, java.util.function.Predicate<String> more);

    /** Runs a command in a running container, streaming its output; returns its exit code. */
    int exec(String id, ExecRequest request, OutputStream stdout, OutputStream stderr);

    /** A tar stream of {@code path} in a container (the archive API). The caller closes it. */
    InputStream copyOut(String id, String path);

    /** What a container's {@code path} is (not following a link there), without reading it; empty when absent. */
    Optional<PathStat> stat(String id, String path);

    /**
     * Extracts a tar stream into the folder {@code dir} of a container (the archive API); never replaces a folder with
     * a file or the other way round. The engine gives the files to the container's user.
     */
    void copyIn(String id, String dir, InputStream tar);

    /** What {@link #runToEnd} returns when the timeout passed first (the container was killed). */
    int TIMED_OUT = -1;

    /**
     * Creates the container, starts it, streams its output until it exits or {@code timeout} passes (then it is
     * killed), and removes it, also on errors: its exit code, or {@link #TIMED_OUT}.
     */
    int runToEnd(
            ContainerSpec spec,
            Map<String, String> secrets,
            OutputStream stdout,
            OutputStream stderr,
            Duration timeout);

    /** Runs a throwaway container to completion and removes it. */
    RunResult runOnce(OneOff oneOff);

    /** Creates a stopped throwaway container (for copying files out of an image); the caller removes it. */
    String createOneOff(OneOff oneOff);

    @Override
    void close();

    /** The last lines of a container's log, for error reports. */
    default List<String> tail(String id, int lines) {
        List<String> out = new java.util.ArrayList<>();
        logs(id, LogQuery.last(lines), out::add);
        return out;
    }
}
