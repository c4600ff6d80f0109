package dev.agentctl.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.support.Composes;
import dev.agentctl.support.EngineFleet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * What agentctl creates through the Engine API and what each compose (1.29 and v2) makes of the docker-compose.yml
 * agentctl renders are the same container: image, command, ports, mounts, limits, healthcheck and the secure
 * defaults; both read the .env alike and list agentctl's containers as their own.
 */
@Tag("engine")
class ComposeAgreementIT {
    static EngineFleet fleet;
    /** Each compose's reading of the fleet file: compose binary -> services. */
    static final Map<String, Map<String, Object>> servicesBy = new LinkedHashMap<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void twoInstancesAndTheirComposeConfig() throws Exception {
        fleet = FleetRun.fleetWithRuntime("itcompose", "a");
        // the second one with its own limits, so a fleet default cannot hide a mix-up
        fleet.create("b", "--memory", "384m", "--cpus", "0.25");
        fleet.expect(0, "up", "--no-wait");
        for (String compose : Composes.both()) {
            servicesBy.put(compose, (Map<String, Object>) new Yaml()
                    .<Map<String, Object>>load(compose(compose, "config"))
                    .get("services"));
        }
    }

    /** Runs {@code compose ARGS} in the fleet root, as a user would there; its output (exit 0 asserted). */
    static String compose(String compose, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(compose));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(fleet.root.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("COMPOSE_"));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as(cmd + " in " + fleet.root + ":\n" + new String(err, StandardCharsets.UTF_8))
                .isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    @AfterAll
    static void cleanUp() {
        FleetRun.dispose(fleet);
    }

    @Test
    void composeConfigListsTheInstancesAsServicesNamedLikeTheContainers() throws IOException {
        servicesBy.forEach((compose, services) -> {
            assertThat(new TreeSet<>(services.keySet())).as(compose).containsExactly("a", "b");
            for (String n : List.of("a", "b")) {
                assertThat(service(compose, n).get("container_name"))
                        .as(compose)
                        .isEqualTo(fleet.container(n));
            }
        });
        assertThat(Files.readString(fleet.root.resolve(".env"), StandardCharsets.UTF_8))
                .contains("COMPOSE_PROJECT_NAME=" + fleet.name);
    }

    @Test
    void theContainerAndComposeConfigAgree() {
        servicesBy.keySet().forEach(ComposeAgreementIT::theContainerAndComposeConfigAgree);
    }

    /** Holds the containers agentctl made against one compose's reading of the file. */
    static void theContainerAndComposeConfigAgree(String compose) {
        for (String n : List.of("a", "b")) {
            Map<String, Object> svc = service(compose, n);
            JsonNode c = FleetRun.inspect(fleet, n);
            JsonNode cfg = c.path("Config");
            JsonNode hc = c.path("HostConfig");
            String what = n + ": container vs " + compose + " config: ";

            assertThat(cfg.path("Image").asText()).as(what + "image").isEqualTo(svc.get("image"));
            assertThat(texts(cfg.path("Cmd"))).as(what + "command").isEqualTo(svc.get("command"));
            assertThat(cfg.path("User").asText()).as(what + "user").isEqualTo(svc.get("user"));

            // ports: "IP:HOST:CONTAINER[/tcp]" against PortBindings
            List<String> composePorts = new ArrayList<>();
            for (Object port : (List<?>) svc.get("ports")) {
                composePorts.add(port(port));
            }
            List<String> containerPorts = new ArrayList<>();
            hc.path("PortBindings")
                    .fields()
                    .forEachRemaining(e -> e.getValue()
                            .forEach(b -> containerPorts.add(b.path("HostIp").asText() + ":"
                                    + b.path("HostPort").asText() + ":" + e.getKey())));
            assertThat(containerPorts)
                    .as(what + "ports")
                    .containsExactlyInAnyOrderElementsOf(composePorts)
                    .isNotEmpty();

            // mounts: source, target, read-only
            List<String> composeMounts = new ArrayList<>();
            for (Object v : (List<?>) svc.get("volumes")) {
                Map<?, ?> m = (Map<?, ?>) v;
                assertThat(m.get("type")).isEqualTo("bind");
                composeMounts.add(m.get("source") + " -> " + m.get("target")
                        + (Boolean.TRUE.equals(m.get("read_only")) ? " ro" : " rw"));
            }
            List<String> containerMounts = new ArrayList<>();
            for (JsonNode m : hc.path("Mounts")) {
                assertThat(m.path("Type").asText()).isEqualTo("bind");
                containerMounts.add(m.path("Source").asText() + " -> "
                        + m.path("Target").asText() + (m.path("ReadOnly").asBoolean() ? " ro" : " rw"));
            }
            assertThat(containerMounts)
                    .as(what + "mounts")
                    .containsExactlyInAnyOrderElementsOf(composeMounts)
                    .hasSize(3);

            // limits
            assertThat(svc).doesNotContainKey("deploy");
            assertThat(hc.path("NanoCpus").asLong())
                    .as(what + "cpus")
                    .isEqualTo(Math.round(Double.parseDouble(svc.get("cpus").toString()) * 1e9));
            assertThat(hc.path("Memory").asLong())
                    .as(what + "memory")
                    .isEqualTo(bytes(svc.get("mem_limit").toString()));
            assertThat(hc.path("PidsLimit").asLong())
                    .as(what + "pids_limit")
                    .isEqualTo(((Number) svc.get("pids_limit")).longValue());

            // healthcheck
            Map<?, ?> health = (Map<?, ?>) svc.get("healthcheck");
            JsonNode h = cfg.path("Healthcheck");
            assertThat(texts(h.path("Test"))).as(what + "healthcheck test").isEqualTo(health.get("test"));
            assertThat(h.path("Interval").asLong())
                    .as(what + "healthcheck interval")
                    .isEqualTo(nanos(health.get("interval")));
            assertThat(h.path("Timeout").asLong())
                    .as(what + "healthcheck timeout")
                    .isEqualTo(nanos(health.get("timeout")));
            assertThat(h.path("StartPeriod").asLong())
                    .as(what + "healthcheck start_period")
                    .isEqualTo(nanos(health.get("start_period")));
            assertThat(h.path("Retries").asInt())
                    .as(what + "healthcheck retries")
                    .isEqualTo(health.get("retries"));

            // the secure defaults and the rest of the host config
            assertThat(texts(hc.path("CapDrop"))).as(what + "cap_drop").isEqualTo(svc.get("cap_drop"));
            assertThat(texts(hc.path("SecurityOpt"))).as(what + "security_opt").isEqualTo(svc.get("security_opt"));
            assertThat(hc.path("ReadonlyRootfs").asBoolean())
                    .as(what + "read_only")
                    .isEqualTo(svc.get("read_only"));
            assertThat(hc.path("Init").asBoolean()).as(what + "init").isEqualTo(svc.get("init"));
            assertThat(hc.path("RestartPolicy").path("Name").asText())
                    .as(what + "restart")
                    .isEqualTo(svc.get("restart"));
            List<String> tmpfs = new ArrayList<>();
            hc.path("Tmpfs")
                    .fields()
                    .forEachRemaining(
                            e -> tmpfs.add(e.getKey() + ":" + e.getValue().asText()));
            assertThat(tmpfs).as(what + "tmpfs").isEqualTo(svc.get("tmpfs"));
            Map<?, ?> logging = (Map<?, ?>) svc.get("logging");
            assertThat(hc.path("LogConfig").path("Type").asText())
                    .as(what + "logging driver")
                    .isEqualTo(logging.get("driver"));
            Map<String, String> logOptions = new LinkedHashMap<>();
            hc.path("LogConfig")
                    .path("Config")
                    .fields()
                    .forEachRemaining(
                            e -> logOptions.put(e.getKey(), e.getValue().asText()));
            assertThat(logOptions).as(what + "logging options").isEqualTo(logging.get("options"));
            // isolated (the default): the instance's own network, as compose names it
            assertThat(((Map<?, ?>) svc.get("networks"))
                            .keySet().stream().map(Object::toString).toList())
                    .as(what + "networks")
                    .containsExactly(n + "-net");
            assertThat(hc.path("NetworkMode").asText()).isEqualTo(fleet.name + "-net-" + n);

            // environment: what compose passes (env_file merged in) is what the container got, beside the image's own
            Map<?, ?> env = (Map<?, ?>) svc.get("environment");
            List<String> containerEnv = texts(cfg.path("Env"));
            env.forEach((k, v) ->
                    assertThat(containerEnv).as(what + "environment").contains(k + "=" + (v == null ? "" : v)));

            // labels: agentctl's own (incl. the spec hash), and compose's project/service
            Map<?, ?> labels = (Map<?, ?>) svc.get("labels");
            labels.forEach(
                    (k, v) -> assertThat(cfg.path("Labels").path(k.toString()).asText())
                            .as(what + "label " + k)
                            .isEqualTo(v));
            assertThat(cfg.path("Labels").path("com.docker.compose.project").asText())
                    .isEqualTo(fleet.name);
            assertThat(cfg.path("Labels").path("com.docker.compose.service").asText())
                    .isEqualTo(n);
        }
        // the second instance really has its own limits
        assertThat(FleetRun.inspect(fleet, "b")
                        .path("HostConfig")
                        .path("Memory")
                        .asLong())
                .isEqualTo(384L << 20);
        assertThat(FleetRun.inspect(fleet, "b")
                        .path("HostConfig")
                        .path("NanoCpus")
                        .asLong())
                .isEqualTo(250_000_000L);
    }

    /**
     * Secrets with the characters .env formats disagree on: compose (reading the .env as env_file) and agentctl
     * (which starts the container) must read each as exactly the value given.
     */
    @Test
    @SuppressWarnings("unchecked")
    void hostileSecretValuesAreReadTheSameByComposeAndByAgentctl() throws Exception {
        Map<String, String> given = new LinkedHashMap<>();
        given.put("S_DOLLARS", "p@ss $HOME $OPENAI_API_KEY $$ $(id) `id` $");
        given.put("S_HASH", "#starts-with-a-hash and has # inside");
        given.put("S_QUOTES", "say \"hi\" there");
        given.put("S_SPACES", "  leading and trailing  ");
        given.put("S_EQUALS", "a=b=c==");
        List<String> args = new ArrayList<>(List.of("create", "c", "--env", "OPENAI_API_KEY=sk-c"));
        given.forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
        fleet.expect(0, args.toArray(String[]::new));
        fleet.expect(0, "up", "c", "--no-wait");
        List<String> containerEnv =
                texts(FleetRun.inspect(fleet, "c").path("Config").path("Env"));
        given.forEach((k, v) ->
                assertThat(containerEnv).as("the container agentctl started").contains(k + "=" + v));
        try {
            for (String compose : Composes.both()) {
                Map<String, Object> c = (Map<String, Object>)
                        ((Map<String, Object>) new Yaml().load(compose(compose, "config"))).get("services");
                Map<?, ?> composeEnv = (Map<?, ?>) ((Map<String, Object>) c.get("c")).get("environment");
                // compose prints its config as a compose file, where a literal $ is written $$
                given.forEach(
                        (k, v) -> assertThat(String.valueOf(composeEnv.get(k)).replace("$$", "$"))
                                .as(compose + "'s reading of " + k)
                                .isEqualTo(v));
            }
        } finally {
            fleet.expect(0, "rm", "c", "--yes", "--purge");
        }
    }

    @Test
    void eachComposeListsAgentctlsContainersAsItsOwn() throws Exception {
        for (String compose : Composes.both()) {
            List<String> ids = compose(compose, "ps", "-q")
                    .lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList();
            assertThat(ids)
                    .as(compose + " ps -q in the fleet root")
                    .containsExactlyInAnyOrder(FleetRun.id(fleet, "a"), FleetRun.id(fleet, "b"));
        }
    }

    /** A port as compose prints it, short ("127.0.0.1:1:1") or long (a map), as "IP:HOST:CONTAINER/PROTO". */
    private static String port(Object port) {
        if (port instanceof Map<?, ?> m) {
            return m.get("host_ip") + ":" + m.get("published") + ":" + m.get("target") + "/" + m.get("protocol");
        }
        String s = port.toString();
        return s.contains("/") ? s : s + "/tcp";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String compose, String name) {
        Object s = servicesBy.get(compose).get(name);
        assertThat(s).as("service " + name + " in " + compose + " config").isNotNull();
        return (Map<String, Object>) s;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** "268435456b", "256m", "1g", or a plain number of bytes. */
    static long bytes(String s) {
        Matcher m = Pattern.compile("(\\d+)([bkmg]?)", Pattern.CASE_INSENSITIVE).matcher(s.strip());
        assertThat(m.matches()).as("a size: " + s).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase()) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }

    /** "5s", "1m30s", "500ms" (compose durations) in nanoseconds. */
    static long nanos(Object duration) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(duration.toString());
        long total = 0;
        int matched = 0;
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            total += switch (m.group(2)) {
                case "ms" -> TimeUnit.MILLISECONDS.toNanos(n);
                case "s" -> TimeUnit.SECONDS.toNanos(n);
                case "m" -> TimeUnit.MINUTES.toNanos(n);
                default -> TimeUnit.HOURS.toNanos(n);
            };
            matched += m.group().length();
        }
        assertThat(matched)
                .as("a duration: " + duration)
                .isEqualTo(duration.toString().length())
                .isPositive();
        return total;
    }
}
