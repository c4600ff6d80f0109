package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Creates instances on disk. Every input is validated in full before anything is written. */
public final class Scaffolder {
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
            String bind,
            String apiBase,
            String network,
            String storage) {}

    /**
     * Volume storage's side (the engine): the instance's volumes filled from the staged folder before it moves into
     * place, and removed again if it does not.
     */
    public interface Volumes {
        void fill(Instance i, Path staged) throws IOException;

        void remove(String instance);
    }

    private final Fleet fleet;
    private final Steps steps;
    private Volumes volumes;

    public Scaffolder(Fleet fleet) {
        this(fleet, step -> {});
    }

    public Scaffolder(Fleet fleet, Steps steps) {
        this.fleet = fleet;
        this.steps = steps;
    }

    /** Where an instance in volume storage gets its volumes (none given: volume storage is refused). */
    public Scaffolder withVolumes(Volumes v) {
        this.volumes = v;
        return this;
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
        String model = Validate.model(r.model() == null ? d.model() : r.model());
        String provider = Validate.provider(r.provider() == null ? d.provider() : r.provider());
        Double cpus = r.cpus() == null ? null : Validate.cpus(r.cpus());
        if (cpus != null) {
            HostLimits.checkCpus(cpus, "--cpus");
        }
        String memory = r.memory();
        if (memory != null) {
            HostLimits.checkMemory(Validate.memory(memory), memory, "--memory");
        }
        String apiBase = r.apiBase() == null ? null : Validate.apiBase(r.apiBase());
        Souls.Soul soul = Souls.resolve(fleet, r.soul());
        Map<String, String> env = new LinkedHashMap<>();
        r.env().forEach((k, v) -> {
            if (!v.isEmpty()) {
                EnvFile.checkValue(k, v);
                env.put(k, v);
            }
        });
        int port = choosePort(r.port(), null, effectiveBind, null);
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
                env,
                "",
                null,
                r.network() == null ? null : NetworkMode.parse("--network", r.network()),
                r.storage() == null ? null : Storage.parse("--storage", r.storage()));
        return install(
                instance,
                dir -> {
                    writeConfig(dir, instance, apiBase);
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
        Map<Integer, String> taken = new HashMap<>(fleet.portsInUse());
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
        boolean inVolumes = instance.effectiveStorage(fleet.config()) == Storage.VOLUME;
        if (inVolumes && volumes == null) {
            throw AgentctlException.badInput("storage volume is not available here");
        }
        Path tmp = null;
        boolean filled = false;
        try {
            Files.createDirectories(fleet.instancesDir());
            tmp = Files.createTempDirectory(
                    fleet.instancesDir(),
                    ".create-" + instance.name() + "-",
                    PosixFilePermissions.asFileAttribute(AtomicFiles.PRIVATE_DIR));
            content.write(tmp);
            EnvFile.write(tmp.resolve(Instance.ENV), instance.env());
            InstanceFiles.writeSettings(tmp, instance);
            AtomicFiles.write(tmp.resolve(Instance.INFO), InstanceFiles.info(fleet, instance));
            AtomicFiles.write(tmp.resolve(Instance.OVERRIDE), overrideRenderer.apply(instance));
            steps.reached("files");
            for (String d : List.of("config", "workspace")) { // the agent's, and no one else's (0700)
                if (Files.isDirectory(tmp.resolve(d), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(tmp.resolve(d), AtomicFiles.PRIVATE_DIR);
                }
            }
            InstanceFiles.handToContainerUser(tmp);
            if (inVolumes) {
                volumes.fill(instance, tmp);
                filled = true;
                steps.reached("volumes");
                keepOnlyConfigJson(tmp);
            }
            AtomicFiles.moveDirectory(tmp, instance.dir());
            tmp = null;
            steps.reached("moved");
            return instance;
        } catch (IOException e) {
            throw AgentctlException.failed("cannot create instance '" + instance.name() + "': " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                AtomicFiles.deleteTree(tmp);
                if (filled) {
                    volumes.remove(instance.name());
                }
            }
        }
    }

    /**
     * What stays on the host of a folder whose data went into volumes: agentctl's files and config/config.json (the
     * container gets it read-only, so it is written anew here: a regular file of agentctl's, whatever the agent left
     * there); workspace/ and the rest of config/ are gone. Deleted through handles: the agent wrote those trees.
     */
    public static void keepOnlyConfigJson(Path dir) throws IOException {
        ObjectNode cfg = ConfigJson.read(dir);
        UntrustedDir.deleteTree(dir.resolve("workspace"));
        try (UntrustedDir config = UntrustedDir.open(dir, "config")) {
            for (String name : config.list()) {
                if (!name.equals("config.json")) {
                    config.deleteTree(name);
                }
            }
        }
        ConfigJson.write(dir, cfg);
    }

    private void writeConfig(Path dir, Instance i, String apiBase) throws IOException {
        ObjectNode cfg = (ObjectNode) JSON.readTree(Skeleton.required(fleet, "templates/config-template.json"));
        ObjectNode defaults = cfg.with("agents").with("defaults");
        defaults.put("workspace", Layout.WORKSPACE_DIR);
        defaults.put("model", i.model());
        Providers.configure(cfg, i.provider(), apiBase);
        ObjectNode gw = cfg.with("gateway");
        gw.put("host", "0.0.0.0");
        gw.put("port", i.port());
        Files.createDirectories(dir.resolve("config/sessions"));
        AtomicFiles.write(dir.resolve(Instance.CONFIG_JSON), ConfigJson.render(cfg), AtomicFiles.PRIVATE_FILE);
    }

    private void writeWorkspace(Path dir, Instance i, Souls.Soul soul) throws IOException {
        Path ws = dir.resolve("workspace");
        Files.createDirectories(ws.resolve("skills"));
        AtomicFiles.write(ws.resolve("SOUL.md"), fill(soul.text(), i));
        for (String f : List.of("AGENTS.md", "USER.md", "HEARTBEAT.md", "memory/MEMORY.md")) {
            AtomicFiles.write(ws.resolve(f), fill(Skeleton.required(fleet, "templates/workspace/" + f), i));
        }
    }

    static String fill(String template, Instance i) {
        return template.replace("{{name}}", i.name()).replace("{{created}}", i.created());
    }
}
