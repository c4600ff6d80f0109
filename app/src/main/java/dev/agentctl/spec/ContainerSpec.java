package dev.agentctl.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one instance's container is made of, computed once from fleet.yaml and the instance. The compose
 * renderer turns it into YAML and the engine into API calls; {@link #hash()} tells whether a container drifted.
 *
 * <p>{@code configDigest} (of the instance's config.json) is not part of the hash: the agent reads that file when it
 * starts, so a change needs a restart, not a new container. {@code fleetId} and {@code workingDir} say whose
 * container it is; they are labels, not settings.
 */
public record ContainerSpec(
        String fleet,
        String fleetId,
        String instance,
        String containerName,
        String image,
        List<String> command,
        String user,
        Map<String, String> environment,
        String envFile,
        String envFileDigest,
        List<Mount> mounts,
        List<PortBinding> ports,
        double cpus,
        long memoryBytes,
        int pids,
        boolean readOnlyRootfs,
        List<String> capDrop,
        List<String> securityOpt,
        Map<String, String> tmpfs,
        Healthcheck healthcheck,
        Map<String, String> labels,
        String logDriver,
        Map<String, String> logOptions,
        String network,
        String restart,
        boolean init,
        String runtimeBuild,
        String workingDir,
        String configDigest,
        int hashScheme) {

    public static final String LABEL_FLEET = "dev.agentctl.fleet";
    public static final String LABEL_FLEET_ID = "dev.agentctl.fleet-id";
    public static final String LABEL_INSTANCE = "dev.agentctl.instance";
    public static final String LABEL_RUNTIME = "dev.agentctl.runtime";
    public static final String LABEL_HASH = "dev.agentctl.spec-hash";
    public static final String LABEL_SETTINGS = "dev.agentctl.settings";
    public static final String LABEL_CONFIG = "dev.agentctl.config-digest";
    public static final String LABEL_COMPOSE_WORKING_DIR = "com.docker.compose.project.working_dir";

    /** A bind mount of a host path, or ({@code volume}) a named Docker volume. */
    public record Mount(String source, String target, boolean readOnly, boolean volume) {
        public Mount(String source, String target, boolean readOnly) {
            this(source, target, readOnly, false);
        }

        public static Mount volume(String name, String target) {
            return new Mount(name, target, false, true);
        }
    }

    public record PortBinding(String hostIp, int hostPort, int containerPort) {}

    /** Durations in seconds. */
    public record Healthcheck(
            List<String> test, long intervalSeconds, long timeoutSeconds, int retries, long startPeriodSeconds) {}

    /**
     * A throwaway container of the instance ({@code agentctl run}): its image, data, user, limits, hardening and
     * network, named {@code name}, running {@code cmd}, with no published port, health check or restart.
     */
    public ContainerSpec oneOff(String name, List<String> cmd) {
        return new ContainerSpec(
                fleet,
                fleetId,
                instance,
                name,
                image,
                List.copyOf(cmd),
                user,
                environment,
                envFile,
                envFileDigest,
                mounts,
                List.of(),
                cpus,
                memoryBytes,
                pids,
                readOnlyRootfs,
                capDrop,
                securityOpt,
                tmpfs,
                new Healthcheck(List.of("NONE"), 0, 0, 0, 0),
                labels,
                "json-file",
                Map.of("max-size", "10m", "max-file", "1"),
                network,
                "no",
                init,
                runtimeBuild,
                workingDir,
                configDigest,
                hashScheme);
    }

    /** The same spec with its labels in the given hash scheme (see {@link SpecHash}). */
    public ContainerSpec withHashScheme(int scheme) {
        return new ContainerSpec(
                fleet,
                fleetId,
                instance,
                containerName,
                image,
                command,
                user,
                environment,
                envFile,
                envFileDigest,
                mounts,
                ports,
                cpus,
                memoryBytes,
                pids,
                readOnlyRootfs,
                capDrop,
                securityOpt,
                tmpfs,
                healthcheck,
                labels,
                logDriver,
                logOptions,
                network,
                restart,
                init,
                runtimeBuild,
                workingDir,
                configDigest,
                scheme);
    }

    /** The settings that matter for drift, by name, in a stable order (what {@code up} names when they change). */
    public Map<String, Object> settings() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("image", image);
        s.put("command", command);
        s.put("user", user);
        s.put("environment", environment);
        s.put("env_file", Map.of("path", envFile, "digest", envFileDigest));
        s.put("mounts", mounts);
        s.put("ports", ports);
        s.put("cpus", cpus);
        s.put("memory", memoryBytes);
        s.put("pids", pids);
        s.put("read_only", readOnlyRootfs);
        s.put("cap_drop", capDrop);
        s.put("security_opt", securityOpt);
        s.put("tmpfs", tmpfs);
        s.put("healthcheck", healthcheck);
        s.put("labels", labels);
        s.put("logging", Map.of("driver", logDriver, "options", logOptions));
        s.put("network", network);
        s.put("restart", restart);
        s.put("init", init);
        return s;
    }

    /** Equal hashes mean an equal container. */
    public String hash() {
        return SpecHash.hash(this, hashScheme);
    }

    /**
     * Labels as set on the container (and in the compose file): the spec's own, the hash, a short digest per setting,
     * and whose it is (the fleet id, which is not part of the hash).
     */
    public Map<String, String> allLabels() {
        Map<String, String> l = new LinkedHashMap<>(labels);
        l.put(LABEL_HASH, hash());
        l.put(LABEL_SETTINGS, SpecHash.settingDigests(this, hashScheme));
        if (fleetId != null && !fleetId.isEmpty()) {
            l.put(LABEL_FLEET_ID, fleetId);
        }
        return l;
    }

    /**
     * Everything the engine labels the container with: {@link #allLabels()}, the config it was made with, and
     * compose's own labels so that {@code docker-compose ps} (1.29 and v2) in the fleet root lists it.
     */
    public Map<String, String> engineLabels() {
        Map<String, String> l = new LinkedHashMap<>(allLabels());
        if (configDigest != null && !configDigest.isEmpty()) {
            l.put(LABEL_CONFIG, configDigest);
        }
        l.put("com.docker.compose.project", fleet);
        l.put("com.docker.compose.service", instance);
        l.put("com.docker.compose.oneoff", "False");
        l.put("com.docker.compose.container-number", "1");
        l.put(LABEL_COMPOSE_WORKING_DIR, workingDir);
        // compose v2 lists only containers with a config hash; its own differs, so its `up` recreates ours, as 1.29's
        l.put("com.docker.compose.config-hash", hash());
        return l;
    }

    /** The names of the settings whose digests differ between a container's settings label and this spec. */
    public List<String> changedSettings(String oldDigests) {
        return changedSettings(oldDigests, hashScheme);
    }

    List<String> changedSettings(String oldDigests, int scheme) {
        Map<String, String> old = parseDigests(oldDigests);
        List<String> changed = new ArrayList<>();
        parseDigests(SpecHash.settingDigests(this, scheme)).forEach((k, v) -> {
            if (!v.equals(old.get(k))) {
                changed.add(k);
            }
        });
        return changed;
    }

    private static Map<String, String> parseDigests(String digests) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : digests.split(",")) {
            int c = part.indexOf(':');
            if (c > 0) {
                m.put(part.substring(0, c), part.substring(c + 1));
            }
        }
        return m;
    }
}
