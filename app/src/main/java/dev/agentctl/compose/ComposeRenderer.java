package dev.agentctl.compose;

import dev.agentctl.spec.ContainerSpec;
import dev.agentctl.spec.InstanceNetwork;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** Renders container specs as a compose file (the compose specification, checked with docker-compose config). */
public final class ComposeRenderer {
    public static final String NETWORK_KEY = InstanceNetwork.FLEET_KEY;

    /** An instance's container spec and the network it joins. */
    public record Service(ContainerSpec spec, InstanceNetwork network) {}

    private ComposeRenderer() {}

    /**
     * The compose file for {@code specs}. The project name is not in it (docker-compose 1.x rejects a top-level
     * {@code name}); it comes from COMPOSE_PROJECT_NAME in the fleet root's .env, see {@link #projectEnv}.
     */
    public static String render(String fleetNetwork, List<Service> list, String header) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> services = new LinkedHashMap<>();
        Map<String, Object> networks = new TreeMap<>();
        for (Service s : list) {
            services.put(s.spec().instance(), service(s.spec(), s.network()));
            InstanceNetwork n = s.network();
            if (n.composeKey() != null) {
                Map<String, Object> def = new LinkedHashMap<>();
                def.put("name", n.name());
                if (n.internal()) {
                    def.put("internal", true);
                }
                networks.put(n.composeKey(), def);
            }
        }
        root.put("services", services);
        if (networks.isEmpty()) {
            // an empty fleet, or one of instances without networks: compose 1.x reads a file without any networks as
            // the old v1 format, so the fleet's network is declared anyway (compose makes none nobody joins)
            networks.put(NETWORK_KEY, Map.of("name", fleetNetwork));
        }
        root.put("networks", networks);
        Map<String, Object> volumes = new TreeMap<>();
        for (Service s : list) {
            for (ContainerSpec.Mount m : s.spec().mounts()) {
                if (m.volume()) {
                    // agentctl makes and fills them (create, restore, convert): compose must never make an empty one
                    Map<String, Object> def = new LinkedHashMap<>();
                    def.put("name", m.source());
                    def.put("external", true);
                    volumes.put(m.source(), def);
                }
            }
        }
        if (!volumes.isEmpty()) {
            root.put("volumes", volumes);
        }
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setIndent(2);
        o.setIndicatorIndent(0);
        o.setWidth(200);
        o.setSplitLines(false);
        return header + new Yaml(o).dump(root);
    }

    /** The fleet root's .env: tells docker-compose (v1 and v2) the project name, so it sees agentctl's containers. */
    public static String projectEnv(String project) {
        return "# Written by agentctl: the compose project of this fleet. No secrets here; they live in instances/*/.env.\n"
                + "COMPOSE_PROJECT_NAME=" + project + "\n";
    }

    static Map<String, Object> service(ContainerSpec s, InstanceNetwork network) {
        Map<String, Object> svc = new LinkedHashMap<>();
        svc.put("image", s.image());
        svc.put("container_name", s.containerName());
        svc.put("command", s.command());
        svc.put("user", s.user());
        svc.put("init", s.init());
        svc.put("restart", s.restart());
        svc.put("env_file", List.of(s.envFile()));
        svc.put("environment", s.environment());
        List<String> ports = new ArrayList<>();
        for (ContainerSpec.PortBinding p : s.ports()) {
            String ip = p.hostIp().contains(":") ? "[" + p.hostIp() + "]" : p.hostIp();
            ports.add(ip + ":" + p.hostPort() + ":" + p.containerPort());
        }
        if (!ports.isEmpty()) {
            svc.put("ports", ports);
        }
        List<Map<String, Object>> volumes = new ArrayList<>();
        for (ContainerSpec.Mount m : s.mounts()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("type", m.volume() ? "volume" : "bind");
            v.put("source", m.source()); // a volume's key in the file is its name
            v.put("target", m.target());
            v.put("read_only", m.readOnly());
            volumes.add(v);
        }
        svc.put("volumes", volumes);
        svc.put("read_only", s.readOnlyRootfs());
        svc.put("pids_limit", s.pids());
        if (!s.tmpfs().isEmpty()) {
            List<String> tmpfs = new ArrayList<>();
            s.tmpfs().forEach((path, opts) -> tmpfs.add(opts.isEmpty() ? path : path + ":" + opts));
            svc.put("tmpfs", tmpfs);
        }
        if (!s.capDrop().isEmpty()) {
            svc.put("cap_drop", s.capDrop());
        }
        if (!s.securityOpt().isEmpty()) {
            svc.put("security_opt", s.securityOpt());
        }
        ContainerSpec.Healthcheck h = s.healthcheck();
        Map<String, Object> hc = new LinkedHashMap<>();
        hc.put("test", h.test());
        hc.put("interval", h.intervalSeconds() + "s");
        hc.put("timeout", h.timeoutSeconds() + "s");
        hc.put("retries", h.retries());
        hc.put("start_period", h.startPeriodSeconds() + "s");
        svc.put("healthcheck", hc);
        svc.put("labels", s.allLabels());
        Map<String, Object> logging = new LinkedHashMap<>();
        logging.put("driver", s.logDriver());
        if (!s.logOptions().isEmpty()) {
            logging.put("options", s.logOptions());
        }
        svc.put("logging", logging);
        if (network.composeKey() == null) {
            svc.put("network_mode", InstanceNetwork.NONE);
        } else {
            svc.put("networks", List.of(network.composeKey()));
        }
        // service-level limits, not deploy.resources: docker-compose 1.29 applies these without --compatibility, and
        // compose v2 refuses pids_limit beside deploy limits that lack the same pids (which 1.29 cannot read)
        svc.put("cpus", s.cpus());
        svc.put("mem_limit", s.memoryBytes() + "b");
        return svc;
    }
}
