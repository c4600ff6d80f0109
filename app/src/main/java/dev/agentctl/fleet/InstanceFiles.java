package dev.agentctl.fleet;

import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The files agentctl keeps in an instance folder beside config/ and workspace/ (instance.yaml, INSTANCE_INFO.txt),
 * and handing a staged instance folder to the container's user.
 */
public final class InstanceFiles {
    private InstanceFiles() {}

    /** instance.yaml: agentctl's settings for the instance (nanobot's own live in config/config.json). */
    public static void writeSettings(Path dir, Instance i) {
        StringBuilder y =
                new StringBuilder("# agentctl settings of this instance; model and port live in config/config.json.\n");
        y.append("# Change them with 'agentctl set'. Unset resources take fleet.yaml's defaults.\n");
        y.append("soul: ").append(quote(i.soul())).append('\n');
        y.append("provider: ").append(i.provider()).append('\n');
        y.append("created: ").append(quote(i.created())).append('\n');
        if (i.cpus() != null || i.memory() != null || i.pids() != null) {
            y.append("resources:\n");
            if (i.cpus() != null) {
                y.append("  cpus: ").append(i.cpus()).append('\n');
            }
            if (i.memory() != null) {
                y.append("  memory: ").append(i.memory()).append('\n');
            }
            if (i.pids() != null) {
                y.append("  pids: ").append(i.pids()).append('\n');
            }
        }
        if (i.sessionsBudget() != null) {
            y.append("sessions:\n  budget: ").append(quote(i.sessionsBudget())).append('\n');
        }
        if (i.network() != null) {
            y.append("network: ").append(i.network().word()).append('\n');
        }
        if (i.storage() != null) {
            y.append("storage: ").append(i.storage().word()).append('\n');
        }
        if (i.bind() != null) {
            y.append("bind: ").append(quote(i.bind())).append('\n');
        }
        if (i.security() != null) {
            FleetConfig.Security s = i.security();
            y.append("security:\n  readOnlyRootfs: ")
                    .append(s.readOnlyRootfs())
                    .append("\n  dropCapabilities: ")
                    .append(s.dropCapabilities())
                    .append("\n  noNewPrivileges: ")
                    .append(s.noNewPrivileges())
                    .append("\n  reason: ")
                    .append(quote(s.reason()))
                    .append('\n');
        }
        AtomicFiles.write(dir.resolve(Instance.SETTINGS), y.toString());
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String published(Fleet fleet, Instance i) {
        NetworkMode mode = i.effectiveNetwork(fleet.config());
        return mode.publishes()
                ? " (published on " + i.effectiveBind(fleet.config()) + "; network " + mode.word() + ")"
                : " (not published: network " + mode.word() + ")";
    }

    /** INSTANCE_INFO.txt: what the instance is and how to use it (no secrets). */
    public static String info(Fleet fleet, Instance i) {
        String bind = i.effectiveBind(fleet.config());
        return String.join(
                "\n",
                "Instance:   " + i.name(),
                "Container:  " + fleet.containerName(i.name()),
                "Port:       " + i.port() + published(fleet, i),
                "Model:      " + i.model() + " (provider " + i.provider() + ")",
                "Soul:       " + i.soul(),
                "Created:    " + i.created(),
                "",
                "Paths",
                i.effectiveStorage(fleet.config()) == Storage.VOLUME
                        ? "  config:     volume " + fleet.volumeName(i.name(), "config")
                                + " (sessions/; config.json is " + i.dir().resolve(Instance.CONFIG_JSON)
                                + ", mounted read-only)"
                        : "  config:     " + i.configDir() + " (config.json, sessions/)",
                i.effectiveStorage(fleet.config()) == Storage.VOLUME
                        ? "  workspace:  volume " + fleet.volumeName(i.name(), "workspace")
                                + " (SOUL.md, memory/, skills/; agentctl cp and files reach it)"
                        : "  workspace:  " + i.workspaceDir() + " (SOUL.md, memory/, skills/)",
                "  secrets:    " + i.envFile() + " (mode 0600; put " + Providers.keyVariable(i.provider()) + " there)",
                "",
                "Start it:     agentctl up " + i.name(),
                "Health:       "
                        + (i.effectiveNetwork(fleet.config()).publishes()
                                ? "curl http://" + ("0.0.0.0".equals(bind) ? "127.0.0.1" : bind) + ":" + i.port()
                                        + "/health"
                                : "agentctl status " + i.name()),
                "Logs:         agentctl logs -f " + i.name(),
                "Change it:    agentctl set " + i.name() + " --model M | --memory 2g | --env KEY=VALUE",
                "");
    }

    /**
     * When agentctl runs as root, the container's user (uid 1000) must own config/ and workspace/. Only for a folder
     * no container sees yet (being created, migrated or restored): ownership there is changed by path.
     */
    public static void handToContainerUser(Path stagedInstanceDir) throws IOException {
        if (!isRoot()) {
            return;
        }
        for (String sub : List.of("config", "workspace")) {
            if (!Files.isDirectory(stagedInstanceDir.resolve(sub), LinkOption.NOFOLLOW_LINKS)) {
                continue; // volume storage: no workspace/ on the host
            }
            try (var walk = Files.walk(stagedInstanceDir.resolve(sub))) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Files.setAttribute(p, "unix:uid", Layout.CONTAINER_UID, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(p, "unix:gid", Layout.CONTAINER_UID, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    /** The owner a file written into an instance's tree gets: the container's user when agentctl is root, else -1. */
    public static int containerOwner() {
        return isRoot() ? Layout.CONTAINER_UID : -1;
    }

    public static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
