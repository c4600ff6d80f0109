package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code agentctl migrate}: imports a single-instance nanobot folder (~/.nanobot) as a fleet instance. The whole
 * config folder is copied (sessions, media, auth, ...); the workspace goes to workspace/; gateway and workspace
 * paths are rewritten for the container and literal secrets move to .env behind ${VAR} placeholders.
 */
public final class Migrator {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Migrated(Instance instance, List<String> movedSecrets, Path workspaceFrom) {}

    private final Fleet fleet;

    public Migrator(Fleet fleet) {
        this.fleet = fleet;
    }

    public Migrated migrate(Path from, String name, String requestedPort, Function<Instance, String> overrideRenderer) {
        Validate.name(name);
        if (fleet.exists(name)) {
            throw AgentctlException.badInput("instance '" + name + "' already exists in " + fleet.instancesDir());
        }
        Path configFile = from.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw AgentctlException.badInput("no nanobot config.json in '" + from + "' (give the folder with --from)");
        }
        JsonNode original = Fleet.readJson(configFile);
        Scaffolder scaffolder = new Scaffolder(fleet);
        String bind = fleet.config().defaults().bind();
        int port = scaffolder.choosePort(
                requestedPort, original.path("gateway").path("port").asInt(0), bind, null);
        NanobotConfigMigration.Result m = NanobotConfigMigration.migrate(original, port);
        Path workspace = workspaceOf(original, from);

        JsonNode defaults = m.config().path("agents").path("defaults");
        String model = defaults.path("model").asText(fleet.config().defaults().model());
        String provider = defaults.path("provider").asText("auto");
        if (provider.isEmpty() || "auto".equals(provider)) {
            provider = fleet.config().defaults().provider();
        }
        Map<String, String> env = new LinkedHashMap<>(m.env());
        // placeholders the old config already had must exist in .env, or nanobot refuses to start
        java.util.regex.Matcher ph = java.util.regex.Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}")
                .matcher(m.config().toString());
        while (ph.find()) {
            env.putIfAbsent(ph.group(1), System.getenv().getOrDefault(ph.group(1), ""));
        }
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
                "");
        Path workspaceSource = workspace;
        scaffolder.install(
                instance,
                dir -> {
                    Path cfg = dir.resolve("config");
                    AtomicFiles.copyTree(from, cfg, p -> workspaceSource != null && p.startsWith(workspaceSource));
                    AtomicFiles.write(
                            cfg.resolve("config.json"),
                            JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m.config()) + "\n",
                            AtomicFiles.PRIVATE_FILE);
                    Files.createDirectories(cfg.resolve("sessions"));
                    if (workspaceSource != null) {
                        AtomicFiles.copyTree(workspaceSource, dir.resolve("workspace"), p -> false);
                    } else {
                        Files.createDirectories(dir.resolve("workspace"));
                    }
                },
                overrideRenderer);
        return new Migrated(instance, m.movedPaths(), workspace);
    }

    /** The workspace the old config points at (~ expanded), else FROM/workspace, else none. */
    static Path workspaceOf(JsonNode config, Path from) {
        String w = config.path("agents").path("defaults").path("workspace").asText("");
        if (!w.isEmpty()) {
            Path p = w.startsWith("~/") ? Path.of(System.getProperty("user.home"), w.substring(2)) : Path.of(w);
            if (p.isAbsolute() && Files.isDirectory(p)) {
                return p;
            }
            Path under = from.resolve(p.getFileName().toString());
            if (Files.isDirectory(under)) {
                return under;
            }
        }
        Path d = from.resolve("workspace");
        return Files.isDirectory(d) ? d : null;
    }
}
