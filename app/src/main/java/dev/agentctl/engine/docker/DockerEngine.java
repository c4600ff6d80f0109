package dev.agentctl.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.EngineInfo;
import dev.agentctl.engine.ExecRequest;
import dev.agentctl.engine.ImageInfo;
import dev.agentctl.engine.LogQuery;
import dev.agentctl.engine.NetworkInfo;
import dev.agentctl.engine.NetworkSpec;
import dev.agentctl.engine.OneOff;
import dev.agentctl.engine.RunResult;
import dev.agentctl.engine.StatsSample;
import dev.agentctl.engine.Subnets;
import dev.agentctl.io.Parallel;
import dev.agentctl.spec.ContainerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The Docker Engine API, through docker-java with the httpclient5 transport: the only code that imports docker-java.
 * Honours DOCKER_HOST (and the rest of what docker-java reads); the API version is the daemon's own (no version
 * prefix is pinned). Streaming calls (build output, logs) have no idle timeout; stats give up after ten seconds.
 */
public final class DockerEngine implements ContainerEngine {
    /** How long the stats of a container may take: one tick of the engine's collector, with room to spare. */
    private static final Duration STATS_LIMIT = Duration.ofSeconds(10);

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private final DockerClient client;
    private final String host;
    /** The transport itself, for the one call docker-java lacks (the stat of the archive endpoint). */
    private final com.github.dockerjava.transport.DockerHttpClient http;

    private DockerEngine(DockerClient client, String host, com.github.dockerjava.transport.DockerHttpClient http) {
        this.client = client;
        this.host = host;
        this.http = http;
    }

    /** Connects and pings; an engine that does not answer is exit 3 with one line. */
    public static DockerEngine connect() {
        DockerClientConfig config;
        try {
            config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        } catch (RuntimeException e) {
            throw new EngineException(
                    EngineException.Kind.UNREACHABLE,
                    "invalid Docker engine settings: " + DockerErrors.firstLine(e.getMessage()));
        }
        String host = config.getDockerHost().toString();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        DockerEngine engine = new DockerEngine(DockerClientImpl.getInstance(config, http), host, http);
        engine.call(null, () -> engine.client.pingCmd().exec());
        return engine;
    }

    /** Runs an engine call; every failure becomes an {@link EngineException} ({@code what} names the action). */
    <T> T call(String what, Supplier<T> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            throw DockerErrors.translate(e, host, what);
        }
    }

    private void run(String what, Runnable body) {
        call(what, () -> {
            body.run();
            return null;
        });
    }

    @Override
    public EngineInfo info() {
        return call("reading the engine's version", () -> {
            var v = client.versionCmd().exec();
            Info i = client.infoCmd().exec();
            return new EngineInfo(
                    host,
                    v.getVersion(),
                    v.getApiVersion(),
                    i.getOperatingSystem(),
                    i.getNCPU() == null ? 0 : i.getNCPU(),
                    i.getMemTotal() == null ? 0 : i.getMemTotal(),
                    i.getDockerRootDir());
        });
    }

    // ---- images

    @Override
    public Optional<ImageInfo> image(String ref) {
        return call("inspecting image " + ref, () -> {
            try {
                InspectImageResponse r = client.inspectImageCmd(ref).exec();
                return Optional.of(new ImageInfo(r.getId(), r.getSize() == null ? 0 : r.getSize(), r.getCreated()));
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public String buildImage(
            InputStream context, String tag, Map<String, String> args, boolean noCache, Consumer<String> output) {
        List<String> sinceStep = new ArrayList<>();
        String[] step = {""};
        String[] error = {null};
        BuildImageResultCallback cb = new BuildImageResultCallback() {
            @Override
            public void onNext(BuildResponseItem item) {
                if (item.getStream() != null) {
                    for (String l : item.getStream().split("\n")) {
                        if (l.isBlank()) {
                            continue;
                        }
                        if (l.startsWith("Step ")) {
                            step[0] = l;
                            sinceStep.clear();
                        } else {
                            sinceStep.add(l);
                        }
                        output.accept(l);
                    }
                }
                if (item.getErrorDetail() != null) {
                    error[0] = item.getErrorDetail().getMessage();
                } else if (item.getError() != null) {
                    error[0] = item.getError();
                }
                super.onNext(item);
            }
        };
        try {
            var cmd = client.buildImageCmd(context)
                    .withTags(Set.of(tag))
                    .withNoCache(noCache)
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true);
            args.forEach(cmd::withBuildArg);
            return cmd.exec(cb).awaitImageId();
        } catch (RuntimeException e) {
            EngineException translated = DockerErrors.translate(e, host, "building " + tag);
            if (translated.kind() == EngineException.Kind.UNREACHABLE) {
                throw translated;
            }
            String why = error[0] != null ? DockerErrors.buildReason(error[0]) : translated.getMessage();
            throw new EngineException.BuildFailed(step[0].isEmpty() ? "the start" : step[0], why, sinceStep);
        }
    }

    @Override
    public void tagImage(String image, String repository, String tag) {
        run("tagging " + image, () -> client.tagImageCmd(image, repository, tag).exec());
    }

    @Override
    public void untagImage(String ref) {
        run("removing the image tag " + ref, () -> {
            try {
                client.removeImageCmd(ref).withForce(false).exec();
            } catch (NotFoundException | ConflictException ignored) {
                // gone already, or still in use
            }
        });
    }

    // ---- networks

    @Override
    public void ensureNetworks(
            List<NetworkSpec> networks, java.util.function.BiConsumer<String, RuntimeException> done) {
        // one listing for all: the names to skip, and the ranges taken, each range given out then taken too
        List<Network> existing =
                call("listing the networks", () -> client.listNetworksCmd().exec());
        Set<String> present = new HashSet<>();
        List<String> used = java.util.Collections.synchronizedList(new ArrayList<>(localRoutes()));
        existing.forEach(n -> {
            present.add(n.getName());
            used.addAll(subnets(n));
        });
        record ToMake(NetworkSpec spec, String subnet) {}
        List<ToMake> todo = new ArrayList<>();
        for (NetworkSpec n : new java.util.LinkedHashSet<>(networks)) {
            if (!present.add(n.name())) {
                done.accept(n.name(), null);
            } else if (n.pool() == null) {
                todo.add(new ToMake(n, null));
            } else {
                try {
                    todo.add(new ToMake(n, freeSubnet(n, used)));
                } catch (EngineException e) {
                    done.accept(n.name(), e);
                }
            }
        }
        Parallel.map(todo, t -> {
            RuntimeException failure = null;
            try {
                run("creating the network " + t.spec().name(), () -> ensureNetwork(t.spec(), t.subnet(), used));
            } catch (RuntimeException e) {
                failure = e;
            }
            done.accept(t.spec().name(), failure);
            return null;
        });
    }

    /**
     * Creates one network on {@code subnet} (null: the engine's choice), or on the next free one if another program
     * took it since the listing; {@code used} holds every range taken or given out.
     */
    private void ensureNetwork(NetworkSpec network, String subnet, List<String> used) {
        for (int attempt = 0; ; attempt++) {
            var create = client.createNetworkCmd()
                    .withName(network.name())
                    .withDriver("bridge")
                    .withInternal(network.internal())
                    .withLabels(network.labels());
            if (subnet == null) {
                create.exec();
                return;
            }
            try {
                create.withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet)))
                        .exec();
                return;
            } catch (com.github.dockerjava.api.exception.DockerException e) {
                if (findNetwork(network.name()).isPresent()) {
                    return; // another agentctl made it meanwhile
                }
                if (attempt >= 3) {
                    throw e;
                }
                client.listNetworksCmd().exec().forEach(n -> used.addAll(subnets(n)));
                subnet = freeSubnet(network, used);
            }
        }
    }

    /** The first free range of the network's pool, now taken in {@code used}. */
    private static String freeSubnet(NetworkSpec network, List<String> used) {
        synchronized (used) {
            String subnet = Subnets.firstFree(network.pool(), used, NetworkSpec.PREFIX)
                    .orElseThrow(() -> new EngineException(
                            EngineException.Kind.REFUSED,
                            "no free /" + NetworkSpec.PREFIX + " left in " + network.pool() + " for the network "
                                    + network.name() + ": give fleet.yaml's subnets a larger or unused range"));
            used.add(subnet);
            return subnet;
        }
    }

    /**
     * With an engine on this host, the ranges this host already routes (another engine's bridges share its network
     * namespace; a second bridge on the same range would take the first one's traffic); none for a remote engine.
     */
    private List<String> localRoutes() {
        Path routes = Path.of("/proc/net/route");
        if (!host.startsWith("unix://") || !Files.isReadable(routes)) {
            return List.of();
        }
        try {
            return Subnets.routed(Files.readString(routes));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> subnets(Network n) {
        List<String> out = new ArrayList<>();
        if (n.getIpam() != null && n.getIpam().getConfig() != null) {
            n.getIpam().getConfig().forEach(c -> {
                if (c.getSubnet() != null) {
                    out.add(c.getSubnet());
                }
            });
        }
        return out;
    }

    @Override
    public Optional<NetworkInfo> network(String name) {
        return call("inspecting the network " + name, () -> findNetwork(name).map(DockerEngine::info));
    }

    @Override
    public List<NetworkInfo> networks(Map<String, String> labels) {
        return call("listing networks", () -> {
            var list = client.listNetworksCmd();
            List<String> filter = new ArrayList<>();
            labels.forEach((k, v) -> filter.add(k + "=" + v));
            if (!filter.isEmpty()) {
                list.withFilter("label", filter);
            }
            return list.exec().stream().map(DockerEngine::info).toList();
        });
    }

    private static NetworkInfo info(Network n) {
        return new NetworkInfo(
                n.getId(),
                n.getName(),
                Boolean.TRUE.equals(n.getInternal()),
                n.getLabels() == null ? Map.of() : n.getLabels(),
                subnets(n));
    }

    private Optional<Network> findNetwork(String name) {
        return client.listNetworksCmd().withNameFilter(name).exec().stream()
                .filter(n -> name.equals(n.getName()))
                .findFirst();
    }

    @Override
    public void createVolume(String name, Map<String, String> labels) {
        run(
                "creating the volume " + name,
                () -> client.createVolumeCmd()
                        .withName(name)
                        .withDriver("local")
                        .withLabels(labels)
                        .exec());
    }

    @Override
    public List<String> volumes(Map<String, String> labels) {
        return call("listing volumes", () -> {
            var list = client.listVolumesCmd();
            List<String> filter = new ArrayList<>();
            labels.forEach((k, v) -> filter.add(k + "=" + v));
            if (!filter.isEmpty()) {
                list.withFilter("label", filter);
            }
            var found = list.exec().getVolumes();
            return found == null
                    ? List.<String>of()
                    : found.stream().map(v -> v.getName()).sorted().toList();
        });
    }

    @Override
    public void removeVolume(String name) {
        run("removing the volume " + name, () -> {
            try {
                client.removeVolumeCmd(name).exec();
            } catch (NotFoundException ignored) {
                // gone already
            }
        });
    }

    @Override
    public void removeNetwork(String name) {
        run("removing the network " + name, () -> {
            try {
                client.removeNetworkCmd(name).exec();
            } catch (NotFoundException ignored) {
                // gone already
            }
        });
    }

    // ---- containers

    @Override
    public List<ContainerInfo> containers(Map<String, String> labels) {
        List<Container> list = call(
                "listing containers",
                () -> client.listContainersCmd()
                        .withShowAll(true)
                        .withLabelFilter(labels)
                        .exec());
        return Parallel.map(list, c -> inspect(c.getId())).stream()
                .flatMap(Optional::stream)
                .toList();
    }

    @Override
    public Optional<ContainerInfo> inspect(String nameOrId) {
        return call("inspecting " + nameOrId, () -> {
            try {
                return Optional.of(
                        DockerMapping.info(client.inspectContainerCmd(nameOrId).exec()));
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public String create(ContainerSpec spec, Map<String, String> secrets) {
        return call(
                "creating " + spec.containerName(),
                () -> DockerMapping.createCmd(client, spec, secrets).exec().getId());
    }

    @Override
    public void start(String id) {
        run("starting " + id, () -> {
            try {
                client.startContainerCmd(id).exec();
            } catch (NotModifiedException ignored) {
                // already running
            }
        });
    }

    @Override
    public void stop(String id, Duration timeout) {
        run("stopping " + id, () -> {
            try {
                client.stopContainerCmd(id)
                        .withTimeout((int) timeout.toSeconds())
                        .exec();
            } catch (NotModifiedException ignored) {
                // already stopped
            }
        });
    }

    @Override
    public void restart(String id, Duration timeout) {
        run(
                "restarting " + id,
                () -> client.restartContainerCmd(id)
                        .withTimeout((int) timeout.toSeconds())
                        .exec());
    }

    @Override
    public void pause(String id) {
        run("pausing " + id, () -> client.pauseContainerCmd(id).exec());
    }

    @Override
    public void unpause(String id) {
        run("unpausing " + id, () -> client.unpauseContainerCmd(id).exec());
    }

    @Override
    public void rename(String id, String newName) {
        run(
                "renaming " + id + " to " + newName,
                () -> client.renameContainerCmd(id).withName(newName).exec());
    }

    @Override
    public void remove(String id) {
        run("removing " + id, () -> {
            try {
                client.removeContainerCmd(id).withForce(true).exec();
            } catch (NotFoundException ignored) {
                // already gone
            }
        });
    }

    @Override
    public int waitForExit(String id) {
        return call(
                "waiting for " + id, () -> client.waitContainerCmd(id).start().awaitStatusCode());
    }

    // ---- stats

    /**
     * One one-shot stats call per container (API 1.41), all in flight together. Engine 24.0.7 and later answer each at
     * once; earlier ones through their stats collector, which wakes for the first and answers the ones waiting at each
     * of its ticks, a second apart, so a fleet's samples take at most about a second however many containers it has
     * (up to the 64 connections the transport keeps).
     */
    @Override
    public Map<String, StatsSample> samples(Collection<String> ids) {
        List<String> list = List.copyOf(ids);
        // a container removed meanwhile, or whose stats hang (a stuck shim), gets no sample, as a stopped one
        List<Optional<Optional<StatsSample>>> got =
                Parallel.within(list, STATS_LIMIT, id -> call("reading the stats of " + id, () -> oneShot(id)));
        Map<String, StatsSample> out = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String id = list.get(i);
            got.get(i).flatMap(s -> s).ifPresent(s -> out.put(id, s));
        }
        return out;
    }

    private Optional<StatsSample> oneShot(String id) {
        var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
                .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.GET)
                .path("/containers/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8)
                        + "/stats?stream=false&one-shot=true")
                .build();
        try (var r = http.execute(request)) {
            if (r.getStatusCode() != 200) {
                return Optional.empty();
            }
            return DockerMapping.sample(JSON.readTree(r.getBody()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- logs and exec

    @Override
    public void logsWhile(String id, LogQuery q, java.util.function.Predicate<String> more) {
        run("reading the logs of " + id, () -> {
            var cmd = client.logContainerCmd(id)
                    .withStdOut(true)
                    .withStdErr(true)
                    .withFollowStream(q.follow())
                    .withTimestamps(q.timestamps());
            if (q.tail() != null) {
                cmd.withTail(q.tail());
            }
            if (q.since() != null) {
                cmd.withSince(q.since());
            }
            boolean[] stopped = {false};
            ResultCallback.Adapter<Frame>[] self = new ResultCallback.Adapter[1];
            LineSplitter splitter = new LineSplitter(l -> {
                if (!stopped[0] && !more.test(l)) {
                    stopped[0] = true;
                    try {
                        self[0].close(); // no more frames: the rest of the log is not read
                    } catch (IOException ignored) {
                        // closing a stream we are done with
                    }
                }
            });
            try (var cb = cmd.exec(
                    self[0] = new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame f) {
                            if (!stopped[0]) {
                                splitter.accept(f.getPayload());
                            }
                        }
                    })) {
                cb.awaitCompletion();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            splitter.flush();
        });
    }

    @Override
    public int exec(String id, ExecRequest r, OutputStream stdout, OutputStream stderr) {
        return call("running a command in " + id, () -> {
            var create = client.execCreateCmd(id)
                    .withCmd(r.command().toArray(String[]::new))
                    .withAttachStdout(true)
                    .withAttachStderr(true);
            if (r.user() != null) {
                create.withUser(r.user());
            }
            if (r.workdir() != null) {
                create.withWorkingDir(r.workdir());
            }
            if (!r.env().isEmpty()) {
                create.withEnv(r.env().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
            }
            String execId = create.exec().getId();
            try (var cb = client.execStartCmd(execId).exec(frames(stdout, stderr))) {
                cb.awaitCompletion();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Long code = client.inspectExecCmd(execId).exec().getExitCodeLong();
            return code == null ? 1 : code.intValue();
        });
    }

    @Override
    public int runToEnd(
            ContainerSpec spec,
            Map<String, String> secrets,
            OutputStream stdout,
            OutputStream stderr,
            Duration timeout) {
        String id = call("creating " + spec.containerName(), () -> {
            Map<String, String> labels = new java.util.LinkedHashMap<>(spec.engineLabels());
            labels.put("com.docker.compose.oneoff", "True");
            // not the instance's name on the network: that is its own container's
            return DockerMapping.createCmd(client, spec, secrets)
                    .withAliases(List.of())
                    .withLabels(labels)
                    .exec()
                    .getId();
        });
        // Ctrl-C or a kill of agentctl: the container goes too, not on running with the instance's secrets
        Thread hook = new Thread(() -> {
            try {
                client.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // gone already, or the engine is: the next command holding the lock removes it
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return call("running " + spec.containerName(), () -> {
                client.startContainerCmd(id).exec();
                // after the start: waiting on a container not started yet returns at once
                var cb = client.waitContainerCmd(id).start();
                var logs = client.logContainerCmd(id)
                        .withFollowStream(true)
                        .withStdOut(true)
                        .withStdErr(true)
                        .exec(frames(stdout, stderr));
                try (logs) {
                    if (!cb.awaitCompletion(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        try {
                            client.killContainerCmd(id).exec();
                            return TIMED_OUT;
                        } catch (com.github.dockerjava.api.exception.ConflictException exitedMeanwhile) {
                            // it ended right at the deadline: its own exit code stands
                        }
                    }
                    Integer code = cb.awaitStatusCode();
                    logs.awaitCompletion(10, java.util.concurrent.TimeUnit.SECONDS); // the last of its output
                    return code;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } finally {
            remove(id);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down: the hook runs
            }
        }
    }

    @Override
    public Optional<dev.agentctl.engine.PathStat> stat(String id, String path) {
        return call("looking at " + path + " in " + id, () -> {
            var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
                    .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.GET)
                    .path("/containers/" + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8)
                            + "/archive?path="
                            + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8))
                    .build();
            // GET carries the same stat header as HEAD (which the transport lacks); the body is never read: closing
            // the response drops the connection rather than reading a folder's whole archive
            try (var r = http.execute(request)) {
                if (r.getStatusCode() == 404) {
                    return Optional.<dev.agentctl.engine.PathStat>empty();
                }
                String header = r.getHeaders().entrySet().stream()
                        .filter(e -> e.getKey().equalsIgnoreCase("X-Docker-Container-Path-Stat"))
                        .flatMap(e -> e.getValue().stream())
                        .findFirst()
                        .orElse(null);
                if (r.getStatusCode() != 200 || header == null) {
                    throw new EngineException(
                            EngineException.Kind.FAILED, "the engine answered " + r.getStatusCode() + " for " + path);
                }
                var j = JSON.readTree(java.util.Base64.getDecoder().decode(header));
                long mode = j.path("mode").asLong();
                return Optional.of(new dev.agentctl.engine.PathStat(
                        j.path("name").asText(),
                        j.path("size").asLong(),
                        (int) (mode & 0777),
                        j.path("mtime").asText(""),
                        (mode & (1L << 31)) != 0,
                        (mode & (1L << 27)) != 0,
                        j.path("linkTarget").asText("")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public void copyIn(String id, String dir, InputStream tar) {
        run(
                "copying into " + dir + " of " + id,
                () -> client.copyArchiveToContainerCmd(id)
                        .withRemotePath(dir)
                        .withTarInputStream(tar)
                        .withNoOverwriteDirNonDir(true)
                        .exec());
    }

    /** Each frame of a multiplexed stream to stdout or stderr, flushed as it comes. */
    private static ResultCallback.Adapter<Frame> frames(OutputStream stdout, OutputStream stderr) {
        return new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame f) {
                OutputStream to = f.getStreamType() == StreamType.STDERR ? stderr : stdout;
                try {
                    to.write(f.getPayload());
                    to.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    @Override
    public InputStream copyOut(String id, String path) {
        return call(
                "copying " + path + " out of " + id,
                () -> client.copyArchiveFromContainerCmd(id, path).exec());
    }

    @Override
    public String createOneOff(OneOff o) {
        return call(
                "creating a throwaway container of " + o.image(),
                () -> DockerMapping.oneOffCmd(client, o).exec().getId());
    }

    @Override
    public RunResult runOnce(OneOff o) {
        String id = createOneOff(o);
        try {
            start(id);
            int code = waitForExit(id);
            return new RunResult(code, String.join("\n", tail(id, 200)));
        } finally {
            remove(id);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
