package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.StallGuard;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code agentctl migrate}: imports a single-instance nanobot folder (~/.nanobot) as a fleet instance. The whole
 * config folder is copied (sessions, media, auth, ...); the workspace goes to workspace/; gateway and workspace
 * paths are rewritten for the container and literal secrets move to .env behind ${VAR} placeholders.
 */
public final class Migrator {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * {@code workspaceFrom}: where the workspace was copied from (null: none); {@code notCopied}: why a workspace the
     * old config names was not copied; {@code needValues}: ${VAR}s the old config refers to that have no value yet.
     */
    public record Migrated(
            Instance instance,
            Map<String, String> movedSecrets,
            String providerFound,
            Path workspaceFrom,
            String notCopied,
            List<String> needValues,
            List<String> skipped) {}

    private final Fleet fleet;
    private final Scaffolder.Volumes volumes;

    public Migrator(Fleet fleet) {
        this(fleet, null);
    }

    /** {@code volumes}: where the fleet's default volume storage puts the data (null: bind storage only). */
    public Migrator(Fleet fleet, Scaffolder.Volumes volumes) {
        this.fleet = fleet;
        this.volumes = volumes;
    }

    /**
     * Imports {@code from} (a nanobot folder: everything in it was written by the old agent, so it is read as an
     * untrusted tree, never following a link). {@code workspaceOption}: a workspace outside {@code from} the user
     * asked for by name; one named only by the old config.json is not copied (it could name any host folder).
     */
    public Migrated migrate(
            Path from,
            Path workspaceOption,
            String name,
            String requestedPort,
            Function<Instance, String> overrideRenderer) {
        Validate.name(name);
        if (fleet.exists(name)) {
            throw AgentctlException.badInput("instance '" + name + "' already exists in " + fleet.instancesDir());
        }
        Path src = from.toAbsolutePath().normalize();
        if (src.getParent() == null || !Files.isDirectory(src)) {
            throw AgentctlException.badInput("no nanobot folder '" + from + "' (give it with --from)");
        }
        JsonNode original;
        try (UntrustedDir dir =
                UntrustedDir.open(src.getParent(), src.getFileName().toString())) {
            if (dir.stat("config.json").isEmpty()) {
                throw AgentctlException.badInput(
                        "no nanobot config.json in '" + from + "' (give the folder with --from)");
            }
            original = Fleet.parseJson(src.resolve("config.json"), dir.read("config.json", Fleet.MAX_CONFIG_BYTES));
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read " + src.resolve("config.json") + ": " + e.getMessage());
        }
        Scaffolder scaffolder = new Scaffolder(fleet).withVolumes(volumes);
        String bind = fleet.config().defaults().bind();
        int port = scaffolder.choosePort(
                requestedPort, original.path("gateway").path("port").asInt(0), bind, null);
        NanobotConfigMigration.Result m = NanobotConfigMigration.migrate(original, port);
        WorkspaceChoice ws = workspaceOf(original, src, workspaceOption);

        JsonNode defaults = m.config().path("agents").path("defaults");
        String model = defaults.path("model").asText(fleet.config().defaults().model());
        String found = Providers.inUse(original).orElse(null);
        String provider = found != null ? found : fleet.config().defaults().provider();
        Map<String, String> env = new LinkedHashMap<>(m.env());
        Channels.requireUnique(fleet, name, m.config(), env);
        // placeholders the old config already had need values in .env, or nanobot refuses to start; they are not
        // taken from this shell's environment: the old config could name any variable of the operator's
        List<String> needValues = new ArrayList<>(Placeholders.names(m.config()));
        needValues.removeIf(env::containsKey);
        Instance instance = new Instance(
                name,
                fleet.instanceDir(name),
                port,
                model,
                Validate.provider(provider),
                "migrated",
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                null,
                null,
                null,
                null,
                null,
                env,
                "",
                null,
                null,
                null);
        List<String> skipped = new ArrayList<>();
        scaffolder.install(
                instance,
                dir -> {
                    Path cfg = dir.resolve("config");
                    try (UntrustedDir old =
                            UntrustedDir.open(src.getParent(), src.getFileName().toString())) {
                        // the config folder whole, but the workspace inside it (copied to workspace/ below)
                        Set<String> leaveOut = ws.insideName() == null ? Set.of() : Set.of(ws.insideName());
                        skipped.addAll(StallGuard.run(StallGuard.QUIET, () -> old.copyTo(cfg, leaveOut)));
                    }
                    AtomicFiles.write(
                            cfg.resolve("config.json"),
                            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m.config()) + "\n",
                            AtomicFiles.PRIVATE_FILE);
                    Files.createDirectories(cfg.resolve("sessions"));
                    if (ws.from() != null) {
                        try (UntrustedDir w = UntrustedDir.open(
                                ws.from().getParent(), ws.from().getFileName().toString())) {
                            skipped.addAll(StallGuard.run(
                                    StallGuard.QUIET, () -> w.copyTo(dir.resolve("workspace"), Set.of())));
                        }
                    } else {
                        Files.createDirectories(dir.resolve("workspace"));
                    }
                },
                overrideRenderer);
        return new Migrated(instance, m.moved(), found, ws.from(), ws.notCopied(), needValues, skipped);
    }

    /** $HOME, as nanobot expands ~ (Java's user.home comes from the password file instead). */
    public static Path home() {
        String h = System.getenv("HOME");
        return Path.of(h != null && !h.isBlank() ? h : System.getProperty("user.home"));
    }

    /**
     * The workspace to copy. {@code insideName}: its name when it is a folder directly in the nanobot folder (left
     * out of the config copy); {@code notCopied}: why one the old config names is not copied.
     */
    record WorkspaceChoice(Path from, String insideName, String notCopied) {}

    /**
     * --workspace if given; else the workspace the old config names when it is a folder directly inside
     * {@code from} (as nanobot's default ~/.nanobot/workspace is); else FROM/workspace. A workspace the config names
     * elsewhere is only copied when the user names it with --workspace.
     */
    static WorkspaceChoice workspaceOf(JsonNode config, Path from, Path option) {
        if (option != null) {
            Path p = option.toAbsolutePath().normalize();
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw AgentctlException.badInput("no workspace folder '" + option + "' (a real folder, not a link)");
            }
            return new WorkspaceChoice(
                    p, p.getParent().equals(from) ? p.getFileName().toString() : null, null);
        }
        String w = config.path("agents").path("defaults").path("workspace").asText("");
        String notCopied = null;
        if (!w.isEmpty()) {
            Path p = w.startsWith("~/") ? home().resolve(w.substring(2)) : Path.of(w);
            Path abs = p.isAbsolute() ? p.normalize() : from.resolve(p).normalize();
            if (from.equals(abs.getParent()) && Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                return new WorkspaceChoice(abs, abs.getFileName().toString(), null);
            }
            if (!abs.equals(from.resolve("workspace"))) {
                notCopied = "config.json names the workspace " + w + ", outside " + from
                        + "; it was not copied (copy it with --workspace " + abs + ")";
            }
        }
        Path d = from.resolve("workspace");
        return Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)
                ? new WorkspaceChoice(d, "workspace", notCopied)
                : new WorkspaceChoice(null, null, notCopied);
    }
}
