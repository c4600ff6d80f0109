package dev.agentctl.spec;

import dev.agentctl.io.Hashing;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one instance's container is made of, computed once from fleet.yaml and the instance. The compose
 * renderer turns it into YAML and the engine into API calls; {@link #hash()} tells whether a container drifted.
 */
public record ContainerSpec(
        String fleet,
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
        String runtimeBuild) {

    public static final String LABEL_FLEET = "dev.agentctl.fleet";
    public static final String LABEL_INSTANCE = "dev.agentctl.instance";
    public static final String LABEL_RUNTIME = "dev.agentctl.runtime";
    public static final String LABEL_HASH = "dev.agentctl.spec-hash";

    public record Mount(String source, String target, boolean readOnly) {}

    public record PortBinding(String hostIp, int hostPort, int containerPort) {}

    /** Durations in seconds. */
    public record Healthcheck(
            List<String> test, long intervalSeconds, long timeoutSeconds, int retries, long startPeriodSeconds) {}

    /** The settings that matter for drift, by name, in a stable order (what {@code up} prints when they change). */
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("image", image);
        s.put("command", String.join(" ", command));
        s.put("user", user);
        s.put("environment", environment.toString());
        s.put("env_file", envFile + "#" + envFileDigest);
        s.put("mounts", mounts.toString());
        s.put("ports", ports.toString());
        s.put("cpus", Double.toString(cpus));
        s.put("memory", Long.toString(memoryBytes));
        s.put("pids", Integer.toString(pids));
        s.put("read_only", Boolean.toString(readOnlyRootfs));
        s.put("cap_drop", capDrop.toString());
        s.put("security_opt", securityOpt.toString());
        s.put("tmpfs", tmpfs.toString());
        s.put("healthcheck", healthcheck.toString());
        s.put("labels", labels.toString());
        s.put("logging", logDriver + logOptions);
        s.put("network", network);
        s.put("restart", restart);
        s.put("init", Boolean.toString(init));
        return s;
    }

    /** sha256 of {@link #settings()}: equal hashes mean an equal container. */
    public String hash() {
        StringBuilder sb = new StringBuilder();
        settings().forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return Hashing.sha256Hex(sb.toString());
    }

    public static final String LABEL_SETTINGS = "dev.agentctl.settings";

    /** Labels as set on the container: the spec's own, the hash, and a short digest per setting. */
    public Map<String, String> allLabels() {
        Map<String, String> l = new LinkedHashMap<>(labels);
        l.put(LABEL_HASH, hash());
        l.put(LABEL_SETTINGS, settingDigests());
        return l;
    }

    /** "image:1a2b3c4d,command:..." - lets {@code up} name the settings that changed without storing their values. */
    public String settingDigests() {
        StringBuilder sb = new StringBuilder();
        settings().forEach((k, v) -> {
            if (!k.equals("labels")) {
                sb.append(sb.length() == 0 ? "" : ",")
                        .append(k)
                        .append(':')
                        .append(Hashing.sha256Hex(v).substring(0, 8));
            }
        });
        return sb.toString();
    }

    /** The names of the settings whose digests differ between a container's label and this spec. */
    public java.util.List<String> changedSettings(String oldDigests) {
        Map<String, String> old = new LinkedHashMap<>();
        for (String part : oldDigests.split(",")) {
            int c = part.indexOf(':');
            if (c > 0) {
                old.put(part.substring(0, c), part.substring(c + 1));
            }
        }
        java.util.List<String> changed = new java.util.ArrayList<>();
        for (String part : settingDigests().split(",")) {
            int c = part.indexOf(':');
            if (!part.substring(c + 1).equals(old.get(part.substring(0, c)))) {
                changed.add(part.substring(0, c));
            }
        }
        return changed;
    }
}
