package dev.agentctl.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.FleetConfig.Security;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** A fleet root: fleet.yaml, templates/, souls/, instances/, runtime/, backups/. */
public final class Fleet {
    public static final String ENV_ROOT = "AGENTCTL_ROOT";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final FleetConfig config;

    public Fleet(Path root, FleetConfig config) {
        this.root = root.toAbsolutePath().normalize();
        this.config = config;
    }

    public static Fleet open(Path root) {
        Path file = root.resolve(FleetConfig.FILE);
        if (!Files.isRegularFile(file)) {
            throw AgentctlException.badInput("no " + FleetConfig.FILE + " in " + root.toAbsolutePath()
                    + ": run 'agentctl init " + root + "' to make a fleet root there");
        }
        return new Fleet(root, FleetConfig.load(file));
    }

    /** --root, else $AGENTCTL_ROOT, else the nearest parent folder of {@code cwd} holding fleet.yaml. */
    public static Path locate(Path explicit, String envRoot, Path cwd) {
        if (explicit != null) {
            return explicit;
        }
        if (envRoot != null && !envRoot.isBlank()) {
            return Path.of(envRoot);
        }
        for (Path p = cwd.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(FleetConfig.FILE))) {
                return p;
            }
        }
        throw AgentctlException.badInput("no fleet.yaml in " + cwd.toAbsolutePath()
                + " or its parents: run 'agentctl init DIR' to make a fleet root, or pass --root DIR");
    }

    public Path root() {
        return root;
    }

    public FleetConfig config() {
        return config;
    }

    public Path instancesDir() {
        return root.resolve("instances");
    }

    public Path instanceDir(String name) {
        return instancesDir().resolve(name);
    }

    public Path runtimeDir() {
        return root.resolve("runtime");
    }

    public Path backupsDir() {
        return root.resolve(config.backups().dir());
    }

    public Path composeFile() {
        return root.resolve("docker-compose.yml");
    }

    public String containerName(String instance) {
        return config.name() + "-" + instance;
    }

    public boolean exists(String name) {
        return Files.exists(instanceDir(name), LinkOption.NOFOLLOW_LINKS);
    }

    /** Names of instance folders, sorted; hidden folders (.trash, temporary ones) are not instances. */
    public List<String> instanceNames() {
        if (!Files.isDirectory(instancesDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(instancesDir())) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An instance read from disk, or the one-line reason it cannot be read. */
    public record Loaded(String name, Instance instance, String error) {}

    public List<Loaded> loadAll() {
        List<Loaded> out = new ArrayList<>();
        for (String n : instanceNames()) {
            try {
                out.add(new Loaded(n, load(n), null));
            } catch (AgentctlException e) {
                out.add(new Loaded(n, null, e.getMessage()));
            }
        }
        return out;
    }

    /** Every instance, failing on the first that cannot be read (for commands that must see all of them). */
    public List<Instance> instances() {
        return instanceNames().stream().map(this::load).toList();
    }

    public Instance require(String name) {
        if (!exists(name)) {
            throw AgentctlException.badInput("no instance '" + name + "' in " + instancesDir()
                    + (instanceNames().isEmpty() ? "" : " (instances: " + String.join(", ", instanceNames()) + ")"));
        }
        return load(name);
    }

    public Instance load(String name) {
        Path dir = instanceDir(name);
        Path configFile = dir.resolve(Instance.CONFIG_JSON);
        JsonNode cfg = readJson(configFile);
        JsonNode port = cfg.path("gateway").path("port");
        if (!port.canConvertToInt() || port.asInt() < 1024 || port.asInt() > 65535) {
            throw AgentctlException.badInput(
                    configFile + ": gateway.port must be a number from 1024 to 65535, not " + port);
        }
        String model = cfg.path("agents").path("defaults").path("model").asText("");
        Path settingsFile = dir.resolve(Instance.SETTINGS);
        StrictYaml s = StrictYaml.parse(settingsFile.toString(), readText(settingsFile))
                .allow("soul", "provider", "created", "resources", "bind", "security");
        StrictYaml res = s.map("resources").allow("cpus", "memory", "pids");
        String cpus = res.string("cpus", null);
        String memory = res.string("memory", null);
        if (memory != null) {
            Validate.memory(memory);
        }
        String pids = res.string("pids", null);
        String bind = s.string("bind", null);
        Security security = s.has("security")
                ? FleetConfig.security(s.map("security"), config.defaults().security())
                : null;
        String provider = s.string("provider", config.defaults().provider());
        return new Instance(
                name,
                dir,
                port.asInt(),
                model,
                provider,
                s.string("soul", "custom"),
                s.string("created", ""),
                cpus == null ? null : Validate.cpus(cpus),
                memory,
                pids == null ? null : Validate.pids(pids),
                bind == null ? null : Validate.bind(bind),
                security,
                EnvFile.read(dir.resolve(Instance.ENV)));
    }

    public static JsonNode readJson(Path file) {
        String text = readText(file);
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw AgentctlException.badInput(file + ": expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr();
            throw AgentctlException.badInput(
                    file + where + ": invalid JSON: " + e.getOriginalMessage().split("\n")[0]);
        }
    }

    static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read " + file + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    /**
     * Ports taken by instances, to the instance holding each. Fails (exit 2) when an instance cannot be read: its
     * port is unknown then, and the fleet's docker-compose.yml could not be re-rendered after a change either.
     */
    public Map<Integer, String> portsInUse() {
        Map<Integer, String> ports = new LinkedHashMap<>();
        for (Loaded l : loadAll()) {
            if (l.instance() == null) {
                throw AgentctlException.badInput("instance '" + l.name() + "' is unreadable; fix it (or move its folder"
                        + " out of instances/) first: " + l.error());
            }
            ports.put(l.instance().port(), l.name());
        }
        return ports;
    }

    /** The fleet's own copy of a template file (templates/, souls/), else the one this agentctl carries. */
    public Optional<String> template(String relative) {
        Path local = root.resolve(relative);
        if (Files.isRegularFile(local)) {
            return Optional.of(readText(local));
        }
        return Skeleton.resource(relative);
    }

    /** The runtime build the instances mount: the target of runtime/current, or that link if no build exists yet. */
    public Path currentRuntime() {
        Path current = runtimeDir().resolve("current");
        try {
            return current.toRealPath();
        } catch (IOException e) {
            return current;
        }
    }
}
