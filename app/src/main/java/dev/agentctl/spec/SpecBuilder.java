package dev.agentctl.spec;

import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.FleetConfig.Security;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Layout;
import dev.agentctl.fleet.Storage;
import dev.agentctl.fleet.Validate;
import dev.agentctl.io.Hashing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Derives an instance's {@link ContainerSpec} from fleet.yaml and the instance's own settings. */
public final class SpecBuilder {
    private SpecBuilder() {}

    public static ContainerSpec build(Fleet fleet, Instance instance) {
        return build(fleet, instance, RuntimeRef.current(fleet));
    }

    /**
     * Where the container finds the instance's data: its config/ and workspace/ folders on the host, or in volume
     * storage its two volumes, with config.json (agentctl's, on the host) mounted read-only over the volume's.
     */
    public static List<ContainerSpec.Mount> dataMounts(Fleet fleet, Instance inst) {
        if (inst.effectiveStorage(fleet.config()) == Storage.VOLUME) {
            return List.of(
                    ContainerSpec.Mount.volume(fleet.volumeName(inst.name(), "config"), Layout.CONFIG_DIR),
                    new ContainerSpec.Mount(
                            inst.dir().resolve(Instance.CONFIG_JSON).toString(), Layout.CONFIG_FILE, true),
                    ContainerSpec.Mount.volume(fleet.volumeName(inst.name(), "workspace"), Layout.WORKSPACE_DIR));
        }
        return List.of(
                new ContainerSpec.Mount(inst.configDir().toString(), Layout.CONFIG_DIR, false),
                new ContainerSpec.Mount(inst.workspaceDir().toString(), Layout.WORKSPACE_DIR, false));
    }

    /** The spec with the given runtime build mounted (a roll-back puts an instance on an older build). */
    public static ContainerSpec build(Fleet fleet, Instance inst, RuntimeRef runtime) {
        FleetConfig cfg = fleet.config();
        FleetConfig.Runtime rt = cfg.runtime();
        Security sec = inst.effectiveSecurity(cfg);
        InstanceNetwork net = InstanceNetwork.of(fleet, inst);

        List<String> command = new ArrayList<>(rt.command());
        command.add("--config");
        command.add(Layout.CONFIG_FILE);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("GATEWAY_PORT", Integer.toString(inst.port()));

        List<ContainerSpec.Mount> mounts = new ArrayList<>();
        mounts.add(new ContainerSpec.Mount(runtime.build().toString(), rt.mountPath(), true));
        mounts.addAll(dataMounts(fleet, inst));

        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ContainerSpec.LABEL_FLEET, cfg.name());
        labels.put(ContainerSpec.LABEL_INSTANCE, inst.name());
        labels.put(ContainerSpec.LABEL_RUNTIME, runtime.id());

        Map<String, String> logOptions = new LinkedHashMap<>();
        String driver = cfg.defaults().logging().driver();
        if ("json-file".equals(driver) || "local".equals(driver)) {
            logOptions.put("max-size", cfg.defaults().logging().maxSize());
            logOptions.put("max-file", Integer.toString(cfg.defaults().logging().maxFile()));
        }

        Map<String, String> tmpfs = new LinkedHashMap<>();
        if (sec.readOnlyRootfs()) {
            tmpfs.put("/tmp", "rw,nosuid,nodev,size=64m");
        }

        return new ContainerSpec(
                cfg.name(),
                fleet.id(),
                inst.name(),
                fleet.containerName(inst.name()),
                runtime.image(),
                List.copyOf(command),
                containerUser(inst.dir()),
                env,
                inst.envFile().toString(),
                digest(inst.envFile()),
                mounts,
                net.mode().publishes()
                        ? List.of(new ContainerSpec.PortBinding(inst.effectiveBind(cfg), inst.port(), inst.port()))
                        : List.of(),
                inst.effectiveCpus(cfg),
                Validate.memory(inst.effectiveMemory(cfg)),
                inst.effectivePids(cfg),
                sec.readOnlyRootfs(),
                sec.dropCapabilities() ? List.of("ALL") : List.of(),
                sec.noNewPrivileges() ? List.of("no-new-privileges:true") : List.of(),
                tmpfs,
                new ContainerSpec.Healthcheck(
                        List.of("CMD", Layout.HEALTH_SCRIPT, Integer.toString(inst.port())), 5, 3, 3, 30),
                labels,
                driver,
                logOptions,
                net.name(),
                cfg.defaults().restart(),
                true,
                runtime.id(),
                fleet.root().toString(),
                inst.configDigest(),
                SpecHash.CURRENT);
    }

    /**
     * The container runs as uid 1000 (the image's user). When agentctl runs as another non-root user, the container
     * runs as that user instead, so it can use the instance's 0700 folders without any chown.
     */
    static String containerUser(Path instanceDir) {
        try {
            int uid = (Integer) Files.getAttribute(instanceDir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int gid = (Integer) Files.getAttribute(instanceDir, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            return uid == 0 ? Layout.CONTAINER_UID + ":" + Layout.CONTAINER_UID : uid + ":" + gid;
        } catch (IOException | UnsupportedOperationException e) {
            return Layout.CONTAINER_UID + ":" + Layout.CONTAINER_UID;
        }
    }

    /** A short digest of the instance's .env (host-only file next to instance.yaml). */
    static String digest(Path file) {
        try {
            byte[] bytes = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(file) : new byte[0];
            return Hashing.sha256Hex(bytes).substring(0, 16);
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
