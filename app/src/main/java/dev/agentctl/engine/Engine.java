package dev.agentctl.engine;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.HealthStateLog;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.BuildResponseItem;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.EnvFile;
import dev.agentctl.spec.ContainerSpec;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The Docker Engine API, through docker-java with the httpclient5 transport. Nothing else imports docker-java.
 * Honours DOCKER_HOST (and the rest of what docker-java reads); the API version is the daemon's own (no version
 * prefix is pinned). Streaming calls (build output, logs, stats) have no idle timeout.
 */
public final class Engine implements Closeable {
    private final DockerClient client;
    private final String host;

    private Engine(DockerClient client, String host) {
        this.client = client;
        this.host = host;
    }

    /** Connects and pings; an engine that does not answer is exit 3 with one line. */
    public static Engine connect() {
        DockerClientConfig config;
        try {
            config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        } catch (RuntimeException e) {
            throw new AgentctlException(
                    AgentctlException.ENGINE_UNREACHABLE, "invalid Docker engine settings: " + e.getMessage());
        }
        String host = config.getDockerHost().toString();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        Engine engine = new Engine(DockerClientImpl.getInstance(config, http), host);
        engine.call(() -> engine.client.pingCmd().exec());
        return engine;
    }

    /**
     * Runs an engine call. Socket failures (no socket, refused, reset, unknown host) become "cannot reach the Docker
     * engine" (exit 3); anything else (a timeout on a slow stop, an error of the daemon) stays a failure of its own.
     */
    <T> T call(Supplier<T> body) {
        try {
            return body.get();
        } catch (DockerException e) {
            throw e;
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                String msg = String.valueOf(t.getMessage());
                boolean connect = t instanceof java.net.SocketException
                        || t instanceof java.net.UnknownHostException
                        || t instanceof java.nio.file.NoSuchFileException
                        || (t.getClass().getName().contains("LastErrorException")
                                && (msg.contains("No such file")
                                        || msg.contains("Connection refused")
                                        || msg.contains("Permission denied")));
                if (connect) {
                    throw new AgentctlException(
                            AgentctlException.ENGINE_UNREACHABLE,
                            "cannot reach the Docker engine at " + host + ": "
                                    + msg.replaceAll("^\\[\\d+]\\s*", "").toLowerCase() + " (is dockerd running?)",
                            e);
                }
            }
            throw e;
        }
    }

    private void run(Runnable body) {
        call(() -> {
            body.run();
            return null;
        });
    }

    // ---- images

    public record ImageInfo(String id, long size, String created) {}

    public Optional<ImageInfo> image(String ref) {
        return call(() -> {
            try {
                InspectImageResponse r = client.inspectImageCmd(ref).exec();
                return Optional.of(new ImageInfo(r.getId(), r.getSize() == null ? 0 : r.getSize(), r.getCreated()));
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        });
    }

    /** A failed image build: the failing step and the output that followed it. */
    public static final class BuildFailed extends RuntimeException {
        private final List<String> output;

        BuildFailed(String message, List<String> output) {
            super(message);
            this.output = output;
        }

        public List<String> output() {
            return output;
        }
    }

    /**
     * Builds an image from a tar build context; {@code line} sees every output line. Returns the image id.
     * The Dockerfile is the context's "Dockerfile".
     */
    public String build(
            InputStream context, String tag, Map<String, String> args, boolean noCache, Consumer<String> line) {
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
                        line.accept(l);
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
        return call(() -> {
            var cmd = client.buildImageCmd(context)
                    .withTags(java.util.Set.of(tag))
                    .withNoCache(noCache)
                    .withPull(false)
                    .withRemove(true)
                    .withForcerm(true);
            args.forEach(cmd::withBuildArg);
            try {
                return cmd.exec(cb).awaitImageId();
            } catch (RuntimeException e) {
                if (e instanceof AgentctlException) {
                    throw e;
                }
                String why = error[0] != null ? error[0] : e.getMessage();
                throw new BuildFailed(
                        "image build failed at " + (step[0].isEmpty() ? "the start" : step[0]) + ": " + why,
                        List.copyOf(sinceStep));
            }
        });
    }

    /** Tags an image (id or reference) as repository:tag, moving the tag if another image had it. */
    public void tag(String imageId, String repository, String tag) {
        run(() -> client.tagImageCmd(imageId, repository, tag).exec());
    }

    /** Removes a tag, not forced: a tag already gone, or whose image a container still uses, is left alone. */
    public void untag(String ref) {
        run(() -> {
            try {
                client.removeImageCmd(ref).withForce(false).exec();
            } catch (NotFoundException | com.github.dockerjava.api.exception.ConflictException ignored) {
                // gone already, or still in use
            }
        });
    }

    // ---- networks

    /** Creates the fleet network when missing, labelled as docker-compose would label it. */
    public void ensureNetwork(String name, String project, String key) {
        run(() -> {
            boolean exists = client.listNetworksCmd().withNameFilter(name).exec().stream()
                    .anyMatch(n -> name.equals(n.getName()));
            if (!exists) {
                client.createNetworkCmd()
                        .withName(name)
                        .withDriver("bridge")
                        .withLabels(Map.of(
                                "com.docker.compose.project",
                                project,
                                "com.docker.compose.network",
                                key,
                                ContainerSpec.LABEL_FLEET,
                                project))
                        .exec();
            }
        });
    }

    // ---- containers

    /** Every container (running or not) carrying the label, inspected concurrently. */
    public List<ContainerInfo> containers(String labelKey, String labelValue) {
        List<Container> list = call(() -> client.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of(labelKey, labelValue))
                .exec());
        return list.parallelStream()
                .map(c -> inspect(c.getId()))
                .flatMap(Optional::stream)
                .toList();
    }

    public Optional<ContainerInfo> inspect(String nameOrId) {
        return call(() -> {
            try {
                return Optional.of(info(client.inspectContainerCmd(nameOrId).exec()));
            } catch (NotFoundException e) {
                return Optional.empty();
            }
        });
    }

    private static ContainerInfo info(InspectContainerResponse r) {
        InspectContainerResponse.ContainerState s = r.getState();
        String health = "none";
        String probe = "";
        if (s.getHealth() != null) {
            health = s.getHealth().getStatus();
            List<HealthStateLog> log = s.getHealth().getLog();
            if (log != null && !log.isEmpty()) {
                HealthStateLog last = log.get(log.size() - 1);
                probe = (last.getOutput() == null ? "" : last.getOutput().strip()) + " (exit " + last.getExitCodeLong()
                        + ")";
            }
        }
        Instant started = null;
        if (s.getStartedAt() != null && !s.getStartedAt().startsWith("0001")) {
            started = Instant.parse(s.getStartedAt());
        }
        Map<String, String> labels =
                r.getConfig().getLabels() == null ? Map.of() : r.getConfig().getLabels();
        return new ContainerInfo(
                r.getId(),
                r.getName().replaceFirst("^/", ""),
                r.getConfig().getImage(),
                s.getStatus(),
                health,
                started,
                r.getRestartCount() == null ? 0 : r.getRestartCount(),
                s.getExitCodeLong() == null ? null : s.getExitCodeLong().intValue(),
                labels,
                probe);
    }

    /** Creates (not starts) the container of a spec; returns its id. */
    public String create(ContainerSpec spec, String composeWorkingDir) {
        List<Mount> mounts = new ArrayList<>();
        for (ContainerSpec.Mount m : spec.mounts()) {
            mounts.add(new Mount()
                    .withType(MountType.BIND)
                    .withSource(m.source())
                    .withTarget(m.target())
                    .withReadOnly(m.readOnly()));
        }
        Ports ports = new Ports();
        List<ExposedPort> exposed = new ArrayList<>();
        for (ContainerSpec.PortBinding p : spec.ports()) {
            ExposedPort e = ExposedPort.tcp(p.containerPort());
            exposed.add(e);
            ports.bind(e, Ports.Binding.bindIpAndPort(p.hostIp(), p.hostPort()));
        }
        ContainerSpec.Healthcheck h = spec.healthcheck();
        HostConfig hc = HostConfig.newHostConfig()
                .withMounts(mounts)
                .withPortBindings(ports)
                .withNanoCPUs((long) (spec.cpus() * 1e9))
                .withMemory(spec.memoryBytes())
                .withPidsLimit((long) spec.pids())
                .withReadonlyRootfs(spec.readOnlyRootfs())
                .withSecurityOpts(spec.securityOpt())
                .withTmpFs(spec.tmpfs())
                .withLogConfig(new LogConfig(loggingType(spec.logDriver()), spec.logOptions()))
                .withRestartPolicy(RestartPolicy.parse(spec.restart()))
                .withInit(spec.init())
                .withNetworkMode(spec.network());
        if (!spec.capDrop().isEmpty()) {
            hc.withCapDrop(spec.capDrop().stream().map(Capability::valueOf).toArray(Capability[]::new));
        }
        List<String> env = new ArrayList<>();
        EnvFile.read(Path.of(spec.envFile())).forEach((k, v) -> env.add(k + "=" + v));
        spec.environment().forEach((k, v) -> env.add(k + "=" + v));
        Map<String, String> labels = new LinkedHashMap<>(spec.allLabels());
        labels.put("com.docker.compose.project", spec.fleet());
        labels.put("com.docker.compose.service", spec.instance());
        labels.put("com.docker.compose.oneoff", "False");
        labels.put("com.docker.compose.container-number", "1");
        labels.put("com.docker.compose.project.working_dir", composeWorkingDir);
        return call(() -> {
            CreateContainerCmd cmd = client.createContainerCmd(spec.image())
                    .withName(spec.containerName())
                    .withCmd(spec.command())
                    .withUser(spec.user())
                    .withEnv(env)
                    .withLabels(labels)
                    .withExposedPorts(exposed)
                    .withAliases(spec.instance())
                    .withHealthcheck(new HealthCheck()
                            .withTest(h.test())
                            .withInterval(TimeUnit.SECONDS.toNanos(h.intervalSeconds()))
                            .withTimeout(TimeUnit.SECONDS.toNanos(h.timeoutSeconds()))
                            .withRetries(h.retries())
                            .withStartPeriod(TimeUnit.SECONDS.toNanos(h.startPeriodSeconds())))
                    .withHostConfig(hc);
            return cmd.exec().getId();
        });
    }

    private static LogConfig.LoggingType loggingType(String driver) {
        for (LogConfig.LoggingType t : LogConfig.LoggingType.values()) {
            if (t.getType().equals(driver) && t != LogConfig.LoggingType.DEFAULT) {
                return t;
            }
        }
        throw AgentctlException.badInput("unsupported logging driver '" + driver + "'");
    }

    public void start(String id) {
        run(() -> {
            try {
                client.startContainerCmd(id).exec();
            } catch (NotModifiedException ignored) {
                // already running
            }
        });
    }

    public void stop(String id, int timeoutSeconds) {
        run(() -> {
            try {
                client.stopContainerCmd(id).withTimeout(timeoutSeconds).exec();
            } catch (NotModifiedException ignored) {
                // already stopped
            }
        });
    }

    public void restart(String id, int timeoutSeconds) {
        run(() -> client.restartContainerCmd(id).withTimeout(timeoutSeconds).exec());
    }

    public void remove(String id) {
        run(() -> {
            try {
                client.removeContainerCmd(id).withForce(true).exec();
            } catch (NotFoundException ignored) {
                // already gone
            }
        });
    }

    public void rename(String id, String newName) {
        run(() -> client.renameContainerCmd(id).withName(newName).exec());
    }

    public void pause(String id) {
        run(() -> client.pauseContainerCmd(id).exec());
    }

    public void unpause(String id) {
        run(() -> client.unpauseContainerCmd(id).exec());
    }

    public int waitFor(String id) {
        return call(() -> client.waitContainerCmd(id).start().awaitStatusCode());
    }

    // ---- stats

    /** CPU in percent of one core (as docker stats shows it), memory in bytes. */
    public record Stats(double cpuPercent, long memoryUsage, long memoryLimit) {}

    /**
     * One stats call without streaming: the daemon answers with two samples about a second apart (cpu_stats and
     * precpu_stats), as {@code docker stats --no-stream} shows them.
     */
    public Optional<Stats> stats(String id) {
        return call(() -> {
            Statistics[] got = {null};
            try {
                client.statsCmd(id)
                        .withNoStream(true)
                        .exec(new ResultCallback.Adapter<Statistics>() {
                            @Override
                            public void onNext(Statistics s) {
                                got[0] = s;
                            }
                        })
                        .awaitCompletion(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Statistics s = got[0];
            if (s == null || s.getCpuStats() == null) {
                return Optional.empty();
            }
            return Optional.of(toStats(s.getPreCpuStats(), s));
        });
    }

    static Stats toStats(com.github.dockerjava.api.model.CpuStatsConfig p, Statistics cur) {
        double cpu = 0;
        var c = cur.getCpuStats();
        if (c != null
                && p != null
                && c.getCpuUsage() != null
                && p.getCpuUsage() != null
                && c.getSystemCpuUsage() != null
                && p.getSystemCpuUsage() != null) {
            long cpuDelta = c.getCpuUsage().getTotalUsage() - p.getCpuUsage().getTotalUsage();
            long sysDelta = c.getSystemCpuUsage() - p.getSystemCpuUsage();
            long online = c.getOnlineCpus() != null
                    ? c.getOnlineCpus()
                    : c.getCpuUsage().getPercpuUsage() != null
                            ? c.getCpuUsage().getPercpuUsage().size()
                            : 1;
            if (sysDelta > 0 && cpuDelta >= 0) {
                cpu = (double) cpuDelta / sysDelta * online * 100.0;
            }
        }
        long usage = 0;
        long limit = 0;
        if (cur.getMemoryStats() != null) {
            usage = cur.getMemoryStats().getUsage() == null
                    ? 0
                    : cur.getMemoryStats().getUsage();
            limit = cur.getMemoryStats().getLimit() == null
                    ? 0
                    : cur.getMemoryStats().getLimit();
            Map<String, Long> extra = statsMap(cur);
            // as docker stats: usage minus page cache (cgroup v1: total_inactive_file, v2: inactive_file)
            Long inactive = extra.getOrDefault("total_inactive_file", extra.get("inactive_file"));
            if (inactive != null && inactive < usage) {
                usage -= inactive;
            }
        }
        return new Stats(cpu, usage, limit);
    }

    private static Map<String, Long> statsMap(Statistics s) {
        Map<String, Long> m = new HashMap<>();
        var st = s.getMemoryStats().getStats();
        if (st != null) {
            if (st.getTotalInactiveFile() != null) {
                m.put("total_inactive_file", st.getTotalInactiveFile());
            }
            if (st.getInactiveFile() != null) {
                m.put("inactive_file", st.getInactiveFile());
            }
        }
        return m;
    }

    // ---- logs and exec

    /** Streams a container's logs line by line; returns when done (or, with follow, when the container stops). */
    public void logs(
            String id,
            boolean follow,
            Integer tail,
            Integer sinceEpochSeconds,
            boolean timestamps,
            Consumer<String> line) {
        run(() -> {
            var cmd = client.logContainerCmd(id)
                    .withStdOut(true)
                    .withStdErr(true)
                    .withFollowStream(follow)
                    .withTimestamps(timestamps);
            if (tail != null) {
                cmd.withTail(tail);
            }
            if (sinceEpochSeconds != null) {
                cmd.withSince(sinceEpochSeconds);
            }
            LineSplitter splitter = new LineSplitter(line);
            try {
                cmd.exec(new ResultCallback.Adapter<Frame>() {
                            @Override
                            public void onNext(Frame f) {
                                splitter.accept(f.getPayload());
                            }
                        })
                        .awaitCompletion();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            splitter.flush();
        });
    }

    /** The last lines of a container's log, for error reports. */
    public List<String> tail(String id, int lines) {
        List<String> out = new ArrayList<>();
        logs(id, false, lines, null, false, out::add);
        return out;
    }

    /** Runs a command in a running container, streaming its output; returns its exit code. */
    public int exec(String id, List<String> command, OutputStream stdout, OutputStream stderr) {
        return call(() -> {
            String execId = client.execCreateCmd(id)
                    .withCmd(command.toArray(String[]::new))
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .exec()
                    .getId();
            try {
                client.execStartCmd(execId)
                        .exec(new ResultCallback.Adapter<Frame>() {
                            @Override
                            public void onNext(Frame f) {
                                try {
                                    (f.getStreamType() == com.github.dockerjava.api.model.StreamType.STDERR
                                                    ? stderr
                                                    : stdout)
                                            .write(f.getPayload());
                                    (f.getStreamType() == com.github.dockerjava.api.model.StreamType.STDERR
                                                    ? stderr
                                                    : stdout)
                                            .flush();
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                        })
                        .awaitCompletion();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Long code = client.inspectExecCmd(execId).exec().getExitCodeLong();
            return code == null ? 1 : code.intValue();
        });
    }

    /** A tar stream of {@code path} in a container (the archive API). The caller closes it. */
    public InputStream copyOut(String id, String path) {
        return call(() -> client.copyArchiveFromContainerCmd(id, path).exec());
    }

    /** Creates a stopped throwaway container of {@code image}; the caller removes it. Null entrypoint: the image's. */
    public String createPlain(
            String image, List<String> entrypoint, List<String> cmd, List<ContainerSpec.Mount> mounts, String user) {
        List<Mount> ms = new ArrayList<>();
        for (ContainerSpec.Mount m : mounts) {
            ms.add(new Mount()
                    .withType(MountType.BIND)
                    .withSource(m.source())
                    .withTarget(m.target())
                    .withReadOnly(m.readOnly()));
        }
        return call(() -> {
            var c = client.createContainerCmd(image)
                    .withHostConfig(HostConfig.newHostConfig().withMounts(ms).withNetworkMode("none"))
                    .withLabels(Map.of("dev.agentctl.throwaway", "true"));
            if (entrypoint != null) {
                c.withEntrypoint(entrypoint);
            }
            if (!cmd.isEmpty()) {
                c.withCmd(cmd);
            }
            if (user != null) {
                c.withUser(user);
            }
            return c.exec().getId();
        });
    }

    /** What a throwaway container printed (stdout and stderr together) and its exit code. */
    public record RunResult(int exitCode, String output) {}

    /** Runs a throwaway container to completion (no network) and removes it. */
    public RunResult runOnce(
            String image, List<String> entrypoint, List<String> cmd, List<ContainerSpec.Mount> mounts, String user) {
        String id = createPlain(image, entrypoint, cmd, mounts, user);
        try {
            start(id);
            int code = waitFor(id);
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
