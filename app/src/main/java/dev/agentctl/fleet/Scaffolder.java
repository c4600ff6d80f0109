package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Creates and changes instances on disk. Every change is validated in full before anything is written. */
public final class Scaffolder {
    public static final List<String> SOULS = List.of("assistant", "expert", "creative", "custom");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Called after each step of {@link #create}; tests inject failures here. */
    public interface Steps {
        void reached(String step);
    }

    public record Request(
            String name,
            String port,
            String model,
            String soul,
            String provider,
            Map<String, String> env,
            String cpus,
            String memory,
            String bind) {}

    private final Fleet fleet;
    private final Steps steps;

    public Scaffolder(Fleet fleet) {
        this(fleet, step -> {});
    }

    public Scaffolder(Fleet fleet, Steps steps) {
        this.fleet = fleet;
        this.steps = steps;
    }

    /** A soul by template name or file path, with its name (for instance.yaml) and its text. */
    public record Soul(String name, String text) {}

    public Soul soul(String nameOrPath) {
        String s = nameOrPath == null ? fleet.config().defaults().soul() : nameOrPath;
        if (SOULS.contains(s)) {
            return new Soul(s, Skeleton.required(fleet, "souls/" + s + ".md"));
        }
        if (s.contains("/") || s.endsWith(".md")) {
            Path p = Path.of(s);
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw AgentctlException.badInput("cannot read soul file '" + s + "'");
            }
            try {
                return new Soul("file:" + p.getFileName(), Files.readString(p));
            } catch (IOException | UncheckedIOException e) {
                throw AgentctlException.badInput("cannot read soul file '" + s + "': " + e.getMessage());
            }
        }
        throw AgentctlException.badInput(
                "unknown soul '" + s + "': use " + String.join(", ", SOULS) + " or a path to a .md file");
    }

    /** Creates instances/NAME atomically: built in a hidden temporary folder, then renamed into place. */
    public Instance create(Request r, Function<Instance, String> overrideRenderer) {
        String name = Validate.name(r.name());
        if (fleet.exists(name)) {
            throw AgentctlException.badInput("instance '" + name + "' already exists in " + fleet.instancesDir());
        }
        FleetConfig.Defaults d = fleet.config().defaults();
        String bind = r.bind() == null ? null : Validate.bind(r.bind());
        String effectiveBind = bind == null ? d.bind() : bind;
        int port = choosePort(r.port(), null, effectiveBind, null);
        String model = Validate.model(r.model() == null ? d.model() : r.model());
        String provider = Validate.provider(r.provider() == null ? d.provider() : r.provider());
        Double cpus = r.cpus() == null ? null : Validate.cpus(r.cpus());
        String memory = r.memory();
        if (memory != null) {
            Validate.memory(memory);
        }
        Soul soul = soul(r.soul());
        Map<String, String> env = new LinkedHashMap<>();
        env.put(Validate.apiKeyVar(provider), "");
        env.putAll(r.env());
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();

        Instance instance = new Instance(
                name,
                fleet.instanceDir(name),
                port,
                model,
                provider,
                soul.name(),
                created,
                cpus,
                memory,
                null,
                bind,
                null,
                env);
        return install(
                instance,
                dir -> {
                    writeConfig(dir, instance);
                    steps.reached("config");
                    writeWorkspace(dir, instance, soul);
                    steps.reached("workspace");
                },
                overrideRenderer);
    }

    /**
     * The requested port (validated, and refused if another instance or a listener on the host has it); else
     * {@code preferred} if it is free; else the first free port of the fleet's range. {@code self} (may be null) is
     * the instance the port is for: its own port does not count as taken.
     */
    public int choosePort(String requested, Integer preferred, String bind, String self) {
        Map<Integer, String> taken = new java.util.HashMap<>(fleet.portsInUse());
        taken.values().removeIf(owner -> owner.equals(self));
        if (requested != null) {
            int port = Validate.port(requested);
            Ports.check(port, bind, taken, self);
            return port;
        }
        if (preferred != null
                && preferred >= 1024
                && preferred <= 65535
                && !taken.containsKey(preferred)
                && !Ports.listening(bind, preferred)) {
            return preferred;
        }
        return Ports.firstFree(fleet.config().ports(), bind, taken);
    }

    /** Writes an instance's config/ and workspace/ into a folder that is not yet in place. */
    public interface Content {
        void write(Path dir) throws IOException;
    }

    /**
     * Makes instances/NAME atomically: {@code content} plus .env, instance.yaml, INSTANCE_INFO.txt and the override
     * are written into a hidden temporary folder, which is then renamed into place. Any failure leaves no trace.
     */
    public Instance install(Instance instance, Content content, Function<Instance, String> overrideRenderer) {
        if (fleet.exists(instance.name())) {
            throw AgentctlException.badInput(
                    "instance '" + instance.name() + "' already exists in " + fleet.instancesDir());
        }
        Path tmp = null;
        try {
            Files.createDirectories(fleet.instancesDir());
            tmp = Files.createTempDirectory(
                    fleet.instancesDir(),
                    ".create-" + instance.name() + "-",
                    PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
            content.write(tmp);
            EnvFile.write(tmp.resolve(Instance.ENV), instance.env());
            writeSettings(tmp, instance);
            AtomicFiles.write(tmp.resolve(Instance.INFO), info(instance));
            AtomicFiles.write(tmp.resolve(Instance.OVERRIDE), overrideRenderer.apply(instance));
            steps.reached("files");
            handToContainerUser(tmp);
            AtomicFiles.moveDirectory(tmp, instance.dir());
            tmp = null;
            steps.reached("moved");
            return instance;
        } catch (IOException e) {
            throw AgentctlException.failed("cannot create instance '" + instance.name() + "': " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteTree(tmp);
            }
        }
    }

    public record Change(
            String model, String port, String cpus, String memory, String soul, Map<String, String> env, String bind) {}

    /** Changes an instance; everything is validated before the first file is written, each file atomically. */
    public Instance update(String name, Change c) {
        Instance cur = fleet.require(Validate.name(name));
        Map<Integer, String> taken = fleet.portsInUse(); // also refuses when another instance is unreadable
        String model = c.model() == null ? cur.model() : Validate.model(c.model());
        String bind = c.bind() == null ? cur.bind() : Validate.bind(c.bind());
        int port = cur.port();
        if (c.port() != null && Validate.port(c.port()) != cur.port()) {
            port = Validate.port(c.port());
            Ports.check(port, bind == null ? fleet.config().defaults().bind() : bind, taken, name);
        }
        // Double.valueOf: a plain double in the ternary would unbox cur.cpus(), which is null when unset
        Double cpus = c.cpus() == null ? cur.cpus() : Double.valueOf(Validate.cpus(c.cpus()));
        String memory = cur.memory();
        if (c.memory() != null) {
            Validate.memory(c.memory());
            memory = c.memory();
        }
        Soul soul = c.soul() == null ? null : soul(c.soul());
        Map<String, String> env = new LinkedHashMap<>(cur.env());
        env.putAll(c.env());
        Instance next = new Instance(
                cur.name(),
                cur.dir(),
                port,
                model,
                cur.provider(),
                soul == null ? cur.soul() : soul.name(),
                cur.created(),
                cpus,
                memory,
                cur.pids(),
                bind,
                cur.security(),
                env);
        try {
            if (port != cur.port() || !model.equals(cur.model())) {
                Path file = cur.dir().resolve(Instance.CONFIG_JSON);
                ObjectNode cfg = (ObjectNode) Fleet.readJson(file);
                cfg.with("agents").with("defaults").put("model", model);
                cfg.with("gateway").put("port", port);
                AtomicFiles.write(
                        file,
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n",
                        AtomicFiles.PRIVATE_FILE);
                ownByContainerUser(file);
            }
            if (soul != null) {
                Path file = cur.workspaceDir().resolve("SOUL.md");
                if (Files.exists(file)) {
                    AtomicFiles.write(
                            cur.workspaceDir().resolve("SOUL.md.bak"),
                            Files.readAllBytes(file),
                            AtomicFiles.PUBLIC_FILE);
                    ownByContainerUser(cur.workspaceDir().resolve("SOUL.md.bak"));
                }
                AtomicFiles.write(file, fill(soul.text(), next));
                ownByContainerUser(file);
            }
            if (!c.env().isEmpty()) {
                EnvFile.write(cur.envFile(), env);
            }
            writeSettings(cur.dir(), next);
            AtomicFiles.write(cur.dir().resolve(Instance.INFO), info(next));
        } catch (IOException e) {
            throw AgentctlException.failed("cannot change instance '" + name + "': " + e.getMessage(), e);
        }
        return next;
    }

    private void writeConfig(Path dir, Instance i) throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Skeleton.required(fleet, "templates/config-template.json"));
        ObjectNode defaults = cfg.with("agents").with("defaults");
        defaults.put("workspace", dev.agentctl.spec.SpecBuilder.WORKSPACE_DIR);
        defaults.put("model", i.model());
        defaults.put("provider", i.provider());
        cfg.with("providers").with(i.provider()).put("apiKey", "${" + Validate.apiKeyVar(i.provider()) + "}");
        ObjectNode gw = cfg.with("gateway");
        gw.put("host", "0.0.0.0");
        gw.put("port", i.port());
        Files.createDirectories(dir.resolve("config/sessions"));
        AtomicFiles.write(
                dir.resolve(Instance.CONFIG_JSON),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n",
                AtomicFiles.PRIVATE_FILE);
    }

    private void writeWorkspace(Path dir, Instance i, Soul soul) throws IOException {
        Path ws = dir.resolve("workspace");
        Files.createDirectories(ws.resolve("skills"));
        AtomicFiles.write(ws.resolve("SOUL.md"), fill(soul.text(), i));
        for (String f : List.of("AGENTS.md", "USER.md", "HEARTBEAT.md", "memory/MEMORY.md")) {
            AtomicFiles.write(ws.resolve(f), fill(Skeleton.required(fleet, "templates/workspace/" + f), i));
        }
    }

    private static String fill(String template, Instance i) {
        return template.replace("{{name}}", i.name()).replace("{{created}}", i.created());
    }

    /** instance.yaml: agentctl's settings for the instance (nanobot's own live in config/config.json). */
    static void writeSettings(Path dir, Instance i) {
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

    String info(Instance i) {
        String c = fleet.containerName(i.name());
        return String.join(
                "\n",
                "Instance:   " + i.name(),
                "Container:  " + c,
                "Port:       " + i.port() + " (published on " + i.effectiveBind(fleet.config()) + ")",
                "Model:      " + i.model() + " (provider " + i.provider() + ")",
                "Soul:       " + i.soul(),
                "Created:    " + i.created(),
                "",
                "Paths",
                "  config:     " + i.configDir() + " (config.json, sessions/)",
                "  workspace:  " + i.workspaceDir() + " (SOUL.md, memory/, skills/)",
                "  secrets:    " + i.envFile() + " (mode 0600; put " + Validate.apiKeyVar(i.provider()) + " there)",
                "",
                "Start it:     agentctl up " + i.name(),
                "Health:       curl http://"
                        + ("0.0.0.0".equals(i.effectiveBind(fleet.config()))
                                ? "127.0.0.1"
                                : i.effectiveBind(fleet.config()))
                        + ":" + i.port() + "/health",
                "Logs:         agentctl logs -f " + i.name(),
                "Change it:    agentctl set " + i.name() + " --model M | --memory 2g | --env KEY=VALUE",
                "");
    }

    /** When agentctl runs as root, the container's user (uid 1000) must own what it writes to. */
    public static void handToContainerUser(Path dir) throws IOException {
        for (String sub : List.of("config", "workspace")) {
            try (var walk = Files.walk(dir.resolve(sub))) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    ownByContainerUser(p);
                }
            }
        }
    }

    static void ownByContainerUser(Path p) throws IOException {
        if (isRoot()) {
            Files.setAttribute(
                    p,
                    "unix:uid",
                    dev.agentctl.spec.SpecBuilder.CONTAINER_UID,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(
                    p,
                    "unix:gid",
                    dev.agentctl.spec.SpecBuilder.CONTAINER_UID,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
