package dev.agentctl.spec;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.FleetConfig.Security;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Validate;
import dev.agentctl.runtime.RuntimeManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Derives an instance's {@link ContainerSpec} from fleet.yaml and the instance's own settings. */
public final class SpecBuilder {
    /** Where the instance's config folder and workspace appear inside the container. */
    public static final String HOME = "/home/nanobot";

    public static final String CONFIG_DIR = HOME + "/.nanobot";
    public static final String WORKSPACE_DIR = HOME + "/workspace";
    public static final String CONFIG_FILE = CONFIG_DIR + "/config.json";
    public static final String HEALTH_SCRIPT = "/usr/local/bin/agent-health";
    public static final int CONTAINER_UID = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SpecBuilder() {}

    public static ContainerSpec build(Fleet fleet, Instance instance) {
        return build(fleet, instance, fleet.currentRuntime());
    }

    /** The spec with the given runtime build mounted (a roll-back puts an instance on an older build). */
    public static ContainerSpec build(Fleet fleet, Instance inst, Path runtimeBuild) {
        FleetConfig cfg = fleet.config();
        FleetConfig.Runtime rt = cfg.runtime();
        Security sec = inst.effectiveSecurity(cfg);

        List<String> command = new ArrayList<>(rt.command());
        command.add("--config");
        command.add(CONFIG_FILE);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("GATEWAY_PORT", Integer.toString(inst.port()));

        List<ContainerSpec.Mount> mounts = List.of(
                new ContainerSpec.Mount(runtimeBuild.toString(), rt.mountPath(), true),
                new ContainerSpec.Mount(inst.configDir().toString(), CONFIG_DIR, false),
                new ContainerSpec.Mount(inst.workspaceDir().toString(), WORKSPACE_DIR, false));

        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ContainerSpec.LABEL_FLEET, cfg.name());
        labels.put(ContainerSpec.LABEL_INSTANCE, inst.name());
        labels.put(ContainerSpec.LABEL_RUNTIME, runtimeBuild.getFileName().toString());

        Map<String, String> logOptions = new LinkedHashMap<>();
        if ("json-file".equals(cfg.defaults().logging().driver())
                || "local".equals(cfg.defaults().logging().driver())) {
            logOptions.put("max-size", cfg.defaults().logging().maxSize());
            logOptions.put("max-file", Integer.toString(cfg.defaults().logging().maxFile()));
        }

        Map<String, String> tmpfs = new LinkedHashMap<>();
        if (sec.readOnlyRootfs()) {
            tmpfs.put("/tmp", "rw,nosuid,nodev,size=64m");
        }

        return new ContainerSpec(
                cfg.name(),
                inst.name(),
                fleet.containerName(inst.name()),
                image(rt, runtimeBuild),
                List.copyOf(command),
                containerUser(inst.dir()),
                env,
                inst.envFile().toString(),
                digest(inst.envFile()),
                mounts,
                List.of(new ContainerSpec.PortBinding(inst.effectiveBind(cfg), inst.port(), inst.port())),
                inst.effectiveCpus(cfg),
                Validate.memory(inst.effectiveMemory(cfg)),
                inst.effectivePids(cfg),
                sec.readOnlyRootfs(),
                sec.dropCapabilities() ? List.of("ALL") : List.of(),
                sec.noNewPrivileges() ? List.of("no-new-privileges:true") : List.of(),
                tmpfs,
                new ContainerSpec.Healthcheck(
                        List.of("CMD", HEALTH_SCRIPT, Integer.toString(inst.port())), 5, 3, 3, 30),
                labels,
                cfg.defaults().logging().driver(),
                logOptions,
                cfg.network(),
                cfg.defaults().restart(),
                true,
                runtimeBuild.getFileName().toString());
    }

    /**
     * The image of a runtime build: the per-build tag recorded in its agentctl-build.json, or runtime.image when
     * there is none (no build yet, or a build made before builds had images of their own).
     */
    public static String image(FleetConfig.Runtime rt, Path runtimeBuild) {
        try {
            String image = JSON.readTree(
                            runtimeBuild.resolve(RuntimeManager.BUILD_JSON).toFile())
                    .path("image")
                    .asText("");
            return image.isEmpty() ? rt.image() : image;
        } catch (IOException e) {
            return rt.image();
        }
    }

    /**
     * The container runs as uid 1000 (the image's user). When agentctl runs as another non-root user, the container
     * runs as that user instead, so it can use the instance's 0700 folders without any chown.
     */
    static String containerUser(Path instanceDir) {
        try {
            int uid = (Integer) Files.getAttribute(instanceDir, "unix:uid");
            int gid = (Integer) Files.getAttribute(instanceDir, "unix:gid");
            return uid == 0 ? CONTAINER_UID + ":" + CONTAINER_UID : uid + ":" + gid;
        } catch (IOException | UnsupportedOperationException e) {
            return CONTAINER_UID + ":" + CONTAINER_UID;
        }
    }

    static String digest(Path file) {
        try {
            byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
            return dev.agentctl.io.Hashing.sha256Hex(bytes).substring(0, 16);
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
