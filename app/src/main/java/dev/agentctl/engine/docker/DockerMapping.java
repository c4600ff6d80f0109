package dev.agentctl.engine.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.HealthStateLog;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.ContainerState;
import dev.agentctl.engine.EngineException;
import dev.agentctl.engine.Health;
import dev.agentctl.engine.OneOff;
import dev.agentctl.engine.StatsSample;
import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.InstanceNetwork;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** docker-java's model to agentctl's and back: a container spec to a create call, inspect and stats to records. */
final class DockerMapping {
    private DockerMapping() {}

    static CreateContainerCmd createCmd(DockerClient client, ContainerSpec spec, Map<String, String> secrets) {
        Ports ports = new Ports();
        List<ExposedPort> exposed = new ArrayList<>();
        for (ContainerSpec.PortBinding p : spec.ports()) {
            ExposedPort e = ExposedPort.tcp(p.containerPort());
            exposed.add(e);
            ports.bind(e, Ports.Binding.bindIpAndPort(p.hostIp(), p.hostPort()));
        }
        ContainerSpec.Healthcheck h = spec.healthcheck();
        HostConfig hc = HostConfig.newHostConfig()
                .withMounts(mounts(spec.mounts()))
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
        secrets.forEach((k, v) -> env.add(k + "=" + v));
        spec.environment().forEach((k, v) -> env.add(k + "=" + v));
        CreateContainerCmd cmd = client.createContainerCmd(spec.image())
                .withName(spec.containerName())
                .withCmd(spec.command())
                .withUser(spec.user())
                .withEnv(env)
                .withLabels(spec.engineLabels())
                .withExposedPorts(exposed)
                .withAliases(InstanceNetwork.NONE.equals(spec.network()) ? List.of() : List.of(spec.instance()))
                .withHealthcheck(new HealthCheck()
                        .withTest(h.test())
                        .withInterval(TimeUnit.SECONDS.toNanos(h.intervalSeconds()))
                        .withTimeout(TimeUnit.SECONDS.toNanos(h.timeoutSeconds()))
                        .withRetries(h.retries())
                        .withStartPeriod(TimeUnit.SECONDS.toNanos(h.startPeriodSeconds())))
                .withHostConfig(hc);
        return cmd;
    }

    static CreateContainerCmd oneOffCmd(DockerClient client, OneOff o) {
        CreateContainerCmd c = client.createContainerCmd(o.image())
                .withHostConfig(HostConfig.newHostConfig()
                        .withMounts(mounts(o.mounts()))
                        .withNetworkMode("none")
                        .withCapDrop(Capability.ALL)
                        .withSecurityOpts(List.of("no-new-privileges:true")))
                .withLabels(Map.of("dev.agentctl.throwaway", "true"));
        if (!o.env().isEmpty()) {
            c.withEnv(o.env().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .toList());
        }
        if (o.entrypoint() != null) {
            c.withEntrypoint(o.entrypoint());
        }
        if (!o.command().isEmpty()) {
            c.withCmd(o.command());
        }
        if (o.user() != null) {
            c.withUser(o.user());
        }
        return c;
    }

    private static List<Mount> mounts(List<ContainerSpec.Mount> mounts) {
        List<Mount> out = new ArrayList<>();
        for (ContainerSpec.Mount m : mounts) {
            out.add(new Mount()
                    .withType(m.volume() ? MountType.VOLUME : MountType.BIND)
                    .withSource(m.source())
                    .withTarget(m.target())
                    .withReadOnly(m.readOnly()));
        }
        return out;
    }

    private static LogConfig.LoggingType loggingType(String driver) {
        for (LogConfig.LoggingType t : LogConfig.LoggingType.values()) {
            if (t.getType().equals(driver) && t != LogConfig.LoggingType.DEFAULT) {
                return t;
            }
        }
        throw new EngineException(EngineException.Kind.REFUSED, "unsupported logging driver '" + driver + "'");
    }

    static ContainerInfo info(InspectContainerResponse r) {
        InspectContainerResponse.ContainerState s = r.getState();
        Health health = Health.NONE;
        String probe = "";
        if (s.getHealth() != null) {
            health = Health.parse(s.getHealth().getStatus());
            Integer streak = s.getHealth().getFailingStreak();
            if (health == Health.UNHEALTHY && streak != null && streak == 0) {
                // the engine (20.10 at least) says unhealthy from an unpause until the next probe, though no probe
                // failed: a backup's pause must not make an agent look, or get restarted as, unhealthy
                health = Health.STARTING;
            }
            List<HealthStateLog> log = s.getHealth().getLog();
            if (log != null && !log.isEmpty()) {
                HealthStateLog last = log.get(log.size() - 1);
                probe = (last.getOutput() == null ? "" : last.getOutput().strip()) + " (exit " + last.getExitCodeLong()
                        + ")";
            }
        }
        Map<String, String> labels =
                r.getConfig().getLabels() == null ? Map.of() : r.getConfig().getLabels();
        List<ContainerInfo.Published> published = new ArrayList<>();
        HostConfig hc = r.getHostConfig();
        if (hc != null && hc.getPortBindings() != null) {
            hc.getPortBindings().getBindings().forEach((port, bindings) -> {
                if (bindings != null) {
                    for (Ports.Binding b : bindings) {
                        published.add(new ContainerInfo.Published(
                                b.getHostIp() == null || b.getHostIp().isEmpty() ? "0.0.0.0" : b.getHostIp(),
                                b.getHostPortSpec() == null ? 0 : Integer.parseInt(b.getHostPortSpec()),
                                port.getPort()));
                    }
                }
            });
        }
        return new ContainerInfo(
                r.getId(),
                r.getName().replaceFirst("^/", ""),
                r.getConfig().getImage(),
                ContainerState.parse(s.getStatus()),
                health,
                time(s.getStartedAt()),
                time(s.getFinishedAt()),
                r.getRestartCount() == null ? 0 : r.getRestartCount(),
                s.getExitCodeLong() == null ? null : s.getExitCodeLong().intValue(),
                Boolean.TRUE.equals(s.getOOMKilled()),
                labels,
                probe,
                List.copyOf(published),
                hc == null || hc.getMemory() == null ? 0 : hc.getMemory(),
                hc == null || hc.getNanoCPUs() == null ? 0 : hc.getNanoCPUs() / 1e9);
    }

    private static Instant time(String s) {
        return s == null || s.isEmpty() || s.startsWith("0001") ? null : Instant.parse(s);
    }

    /**
     * A stats answer as a sample; empty for a container that was not running (the engine answers with zeros). Memory
     * as docker stats counts it: usage less the page cache (cgroup v1: total_inactive_file, v2: inactive_file).
     */
    static java.util.Optional<StatsSample> sample(com.fasterxml.jackson.databind.JsonNode j) {
        var cpu = j.path("cpu_stats");
        long system = cpu.path("system_cpu_usage").asLong(0);
        Instant read = time(j.path("read").asText(""));
        if (system <= 0 || read == null) {
            return java.util.Optional.empty();
        }
        int online = cpu.path("online_cpus").asInt(0);
        if (online <= 0) {
            online = Math.max(1, cpu.path("cpu_usage").path("percpu_usage").size());
        }
        var m = j.path("memory_stats");
        long usage = m.path("usage").asLong(0);
        var st = m.path("stats");
        long inactive = st.has("total_inactive_file")
                ? st.path("total_inactive_file").asLong(0)
                : st.path("inactive_file").asLong(0);
        if (inactive < usage) {
            usage -= inactive;
        }
        return java.util.Optional.of(new StatsSample(
                read.getEpochSecond() * 1_000_000_000L + read.getNano(),
                cpu.path("cpu_usage").path("total_usage").asLong(0),
                system,
                online,
                usage,
                m.path("limit").asLong(0)));
    }
}
