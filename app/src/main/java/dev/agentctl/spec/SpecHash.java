package dev.agentctl.spec;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.agentctl.io.Hashing;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The spec hash and per-setting digests stored as container labels. Scheme 2 (current): SHA-256 of the settings as
 * canonical JSON (keys sorted, no whitespace). Scheme 1: what agentctl 0.1 stored, from Java's record toString();
 * kept only to recognise containers made by it, so that upgrading agentctl does not recreate every running container.
 */
public final class SpecHash {
    public static final int LEGACY = 1;
    public static final int CURRENT = 2;

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private SpecHash() {}

    public static String hash(ContainerSpec spec, int scheme) {
        StringBuilder sb = new StringBuilder();
        values(spec, scheme)
                .forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return Hashing.sha256Hex(sb.toString());
    }

    /** "image:1a2b3c4d,command:..." - lets {@code up} name the settings that changed without storing their values. */
    public static String settingDigests(ContainerSpec spec, int scheme) {
        return values(spec, scheme).entrySet().stream()
                .filter(e -> !e.getKey().equals("labels"))
                .map(e -> e.getKey() + ":" + Hashing.sha256Hex(e.getValue()).substring(0, 8))
                .collect(Collectors.joining(","));
    }

    /** Each setting as the text that is hashed. */
    static Map<String, String> values(ContainerSpec spec, int scheme) {
        if (scheme == LEGACY) {
            return legacy(spec);
        }
        Map<String, String> out = new LinkedHashMap<>();
        spec.settings().forEach((k, v) -> out.put(k, canonical(v)));
        return out;
    }

    static String canonical(Object value) {
        try {
            return CANONICAL.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a spec setting", e);
        }
    }

    /** Exactly the strings agentctl 0.1 hashed (Java's toString of its records, maps and lists). */
    private static Map<String, String> legacy(ContainerSpec s) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("image", s.image());
        m.put("command", String.join(" ", s.command()));
        m.put("user", s.user());
        m.put("environment", s.environment().toString());
        m.put("env_file", s.envFile() + "#" + s.envFileDigest());
        m.put(
                "mounts",
                s.mounts().stream()
                        .map(x -> "Mount[source=" + x.source() + ", target=" + x.target() + ", readOnly=" + x.readOnly()
                                + (x.volume() ? ", volume" : "") + "]")
                        .collect(Collectors.joining(", ", "[", "]")));
        m.put(
                "ports",
                s.ports().stream()
                        .map(p -> "PortBinding[hostIp=" + p.hostIp() + ", hostPort=" + p.hostPort() + ", containerPort="
                                + p.containerPort() + "]")
                        .collect(Collectors.joining(", ", "[", "]")));
        m.put("cpus", Double.toString(s.cpus()));
        m.put("memory", Long.toString(s.memoryBytes()));
        m.put("pids", Integer.toString(s.pids()));
        m.put("read_only", Boolean.toString(s.readOnlyRootfs()));
        m.put("cap_drop", s.capDrop().toString());
        m.put("security_opt", s.securityOpt().toString());
        m.put("tmpfs", s.tmpfs().toString());
        ContainerSpec.Healthcheck h = s.healthcheck();
        m.put(
                "healthcheck",
                "Healthcheck[test=" + h.test() + ", intervalSeconds=" + h.intervalSeconds()
                        + ", timeoutSeconds=" + h.timeoutSeconds() + ", retries=" + h.retries()
                        + ", startPeriodSeconds="
                        + h.startPeriodSeconds() + "]");
        m.put("labels", s.labels().toString());
        m.put("logging", s.logDriver() + s.logOptions());
        m.put("network", s.network());
        m.put("restart", s.restart());
        m.put("init", Boolean.toString(s.init()));
        return m;
    }
}
