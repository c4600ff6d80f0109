package dev.agentctl.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.FleetConfig.Security;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.Hashing;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** A fleet root: fleet.yaml, templates/, souls/, instances/, runtime/, backups/, and agentctl's own .agentctl/. */
public final class Fleet {
    public static final String ENV_ROOT = "AGENTCTL_ROOT";
    /** The most agentctl reads of an instance's config.json (written by the agent, so never trusted for its size). */
    public static final long MAX_CONFIG_BYTES = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final FleetConfig config;
    private String id;

    public Fleet(Path root, FleetConfig config) {
        this.root = root.toAbsolutePath().normalize();
        this.config = config;
    }

    public static Fleet open(Path root) {
        return open(new Location(root, "--root"));
    }

    public static Fleet open(Location where) {
        Path file = where.root().resolve(FleetConfig.FILE);
        if (!Files.isRegularFile(file)) {
            throw AgentctlException.badInput(
                    "no " + FleetConfig.FILE + " in " + where.root().toAbsolutePath() + where.because()
                            + ": run 'agentctl init " + where.root() + "' to make a fleet root there");
        }
        return new Fleet(where.root(), FleetConfig.load(file));
    }

    /**
     * Where the fleet root is and why: {@code source} is "--root", "AGENTCTL_ROOT" or "cwd"; {@code shadowed} is a
     * different fleet root the current folder is in, when AGENTCTL_ROOT won over it.
     */
    public record Location(Path root, String source, Path shadowed) {
        public Location(Path root, String source) {
            this(root, source, null);
        }

        /** For messages about the root: " (from AGENTCTL_ROOT)" when that is where it came from. */
        public String because() {
            return "AGENTCTL_ROOT".equals(source) ? " (the fleet root given by AGENTCTL_ROOT)" : "";
        }
    }

    /** --root, else $AGENTCTL_ROOT, else the nearest parent folder of {@code cwd} holding fleet.yaml. */
    public static Location locate(Path explicit, String envRoot, Path cwd) {
        if (explicit != null) {
            return new Location(explicit, "--root");
        }
        Path near = null;
        for (Path p = cwd.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve(FleetConfig.FILE))) {
                near = p;
                break;
            }
        }
        if (envRoot != null && !envRoot.isBlank()) {
            Path env = Path.of(envRoot);
            boolean other = near != null
                    && !near.normalize().equals(env.toAbsolutePath().normalize());
            return new Location(env, "AGENTCTL_ROOT", other ? near : null);
        }
        if (near != null) {
            return new Location(near, "cwd");
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

    /** agentctl's own state: the fleet id, the lock, desired states, holds, the journal. 0700, never an instance's. */
    public Path stateDir() {
        return root.resolve(".agentctl");
    }

    /**
     * This fleet root's unique id, made on first use: containers, networks and volumes carry it, so that no command
     * touches an object of another root, even one with the same name.
     */
    public synchronized String id() {
        if (id == null) {
            Path file = stateDir().resolve("fleet-id");
            try {
                if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    id = Files.readString(file).strip();
                }
                if (id == null || !id.matches("[0-9a-f]{16,64}")) {
                    byte[] b = new byte[8];
                    new SecureRandom().nextBytes(b);
                    id = HexFormat.of().formatHex(b);
                    Files.createDirectories(stateDir());
                    Files.setPosixFilePermissions(stateDir(), AtomicFiles.PRIVATE_DIR);
                    AtomicFiles.write(file, id + "\n");
                }
            } catch (IOException e) {
                throw AgentctlException.failed("cannot read or write " + file + ": " + e.getMessage(), e);
            }
        }
        return id;
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

    public Path trashDir() {
        return instancesDir().resolve(".trash");
    }

    public Path composeFile() {
        return root.resolve("docker-compose.yml");
    }

    /** The Docker volume of an instance's {@code part} (config or workspace) in volume storage. */
    public String volumeName(String instance, String part) {
        return config.name() + "-" + instance + "-" + part;
    }

    public String containerName(String instance) {
        return config.name() + "-" + instance;
    }

    public boolean exists(String name) {
        return Files.exists(instanceDir(name), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Names in instances/, sorted: folders, and links (which every command refuses with one message); hidden entries
     * (.trash, temporary folders) are not instances.
     */
    public List<String> instanceNames() {
        if (!Files.isDirectory(instancesDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(instancesDir())) {
            return s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p))
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

    /** Refuses an instance folder that is a link: agentctl never follows one, and never half-follows one either. */
    public void requireRealFolder(String name) {
        Path dir = instanceDir(name);
        if (Files.isSymbolicLink(dir)) {
            throw AgentctlException.badInput(dir + " is a link; agentctl refuses instance folders that are links"
                    + " (move the real folder into " + instancesDir() + ")");
        }
    }

    public Instance load(String name) {
        requireRealFolder(name);
        return loadFrom(instanceDir(name), name);
    }

    /** An instance from a folder that is not (yet) in instances/: a staged restore is checked this way. */
    public Instance loadFrom(Path dir, String name) {
        Path configFile = dir.resolve(Instance.CONFIG_JSON);
        byte[] configBytes = readConfigBytes(dir);
        JsonNode cfg = parseJson(configFile, configBytes);
        JsonNode port = cfg.path("gateway").path("port");
        if (!port.canConvertToInt() || port.asInt() < 1024 || port.asInt() > 65535) {
            throw AgentctlException.badInput(
                    configFile + ": gateway.port must be a number from 1024 to 65535, not " + clip(port.toString()));
        }
        String model = cfg.path("agents").path("defaults").path("model").asText("");
        Path settingsFile = dir.resolve(Instance.SETTINGS);
        StrictYaml s = StrictYaml.parse(settingsFile.toString(), readOwnFile(settingsFile))
                .allow(
                        "soul",
                        "provider",
                        "created",
                        "resources",
                        "bind",
                        "security",
                        "sessions",
                        "network",
                        "storage");
        StrictYaml res = s.map("resources").allow("cpus", "memory", "pids");
        String cpus = res.string("cpus", null);
        String memory = res.string("memory", null);
        if (memory != null) {
            Validate.memory(memory);
        }
        String pids = res.string("pids", null);
        StrictYaml sessions = s.map("sessions").allow("budget");
        String budget = sessions.string("budget", null);
        if (budget != null) {
            try {
                Validate.size("sessions.budget", budget);
            } catch (AgentctlException e) {
                throw AgentctlException.badInput(sessions.where("budget") + ": " + e.getMessage());
            }
        }
        String bind = s.string("bind", null);
        Security security = s.has("security")
                ? FleetConfig.security(s.map("security"), config.defaults().security())
                : null;
        String provider = s.string("provider", config.defaults().provider());
        Storage storage = s.has("storage") ? Storage.parse(s.where("storage"), s.string("storage", null)) : null;
        if ((storage == null ? config.defaults().storage() : storage) == Storage.BIND
                && !Files.isDirectory(dir.resolve("workspace"), LinkOption.NOFOLLOW_LINKS)) {
            throw AgentctlException.badInput(dir.resolve("workspace") + " is not a real folder (missing, or a link)");
        }
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
                EnvFile.read(dir.resolve(Instance.ENV)),
                Hashing.sha256Hex(configBytes).substring(0, 16),
                budget,
                s.has("network") ? NetworkMode.parse(s.where("network"), s.string("network", null)) : null,
                storage);
    }

    /** config/config.json of an instance folder: a regular file (never a link), at most {@link #MAX_CONFIG_BYTES}. */
    public static byte[] readConfigBytes(Path instanceDir) {
        Path file = instanceDir.resolve(Instance.CONFIG_JSON);
        try (UntrustedDir config = UntrustedDir.open(instanceDir, "config")) {
            return config.read("config.json", MAX_CONFIG_BYTES);
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read " + file + ": " + describe(e));
        }
    }

    public static JsonNode readConfig(Path instanceDir) {
        return parseJson(instanceDir.resolve(Instance.CONFIG_JSON), readConfigBytes(instanceDir));
    }

    /** JSON of a trusted file (the fleet's own). */
    public static JsonNode readJson(Path file) {
        return parseJson(file, readText(file).getBytes(StandardCharsets.UTF_8));
    }

    /** Parses a JSON object; errors name the file, line and column but never echo the content. */
    static JsonNode parseJson(Path file, byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw AgentctlException.badInput(file + ": expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr();
            throw AgentctlException.badInput(file + where + ": invalid JSON");
        } catch (IOException e) {
            throw AgentctlException.badInput(file + ": invalid JSON");
        }
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * A file agentctl keeps in an instance folder (instance.yaml, .env): a regular file, never read through a link
     * (a restored archive could hold one), at most 1 MiB.
     */
    static String readOwnFile(Path file) {
        try (var in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw AgentctlException.badInput(file + " is not a regular file");
            }
            byte[] b = in.readNBytes((int) MAX_CONFIG_BYTES + 1);
            if (b.length > MAX_CONFIG_BYTES) {
                throw AgentctlException.badInput(file + " is larger than " + MAX_CONFIG_BYTES + " bytes");
            }
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read " + file + ": " + describe(e));
        }
    }

    static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read " + file + ": " + describe(e));
        }
    }

    /**
     * Ports taken by instances, to the instance holding each. An instance that cannot be read still holds the port
     * its config.json names when that much can be read, so one broken instance blocks only itself.
     */
    public Map<Integer, String> portsInUse() {
        Map<Integer, String> ports = new LinkedHashMap<>();
        for (Loaded l : loadAll()) {
            if (l.instance() != null) {
                ports.put(l.instance().port(), l.name());
            } else {
                try {
                    JsonNode port =
                            readConfig(instanceDir(l.name())).path("gateway").path("port");
                    if (port.canConvertToInt()) {
                        ports.putIfAbsent(port.asInt(), l.name());
                    }
                } catch (AgentctlException ignored) {
                    // no port to be read: it holds none
                }
            }
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
}
