package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code agentctl set}: changes an instance on disk. Everything is validated before the first file is written; each
 * file is replaced atomically; files in config/ and workspace/ (the agent's to write) only through
 * {@link UntrustedDir}.
 */
public final class InstanceEditor {
    /** Null fields are left as they are; {@code env} sets keys, {@code unset} removes them. */
    public record Change(
            String model,
            String port,
            String cpus,
            String memory,
            String soul,
            Map<String, String> env,
            Set<String> unset,
            String bind,
            String provider,
            String apiBase,
            String sessionsBudget,
            String network) {

        /** Only a new port (restore and trash restore move an instance off a taken one). */
        public static Change port(int port) {
            return new Change(
                    null, Integer.toString(port), null, null, null, Map.of(), Set.of(), null, null, null, null, null);
        }

        public boolean isEmpty() {
            return model == null
                    && port == null
                    && cpus == null
                    && memory == null
                    && soul == null
                    && env.isEmpty()
                    && unset.isEmpty()
                    && bind == null
                    && provider == null
                    && apiBase == null
                    && sessionsBudget == null
                    && network == null;
        }
    }

    private final Fleet fleet;

    public InstanceEditor(Fleet fleet) {
        this.fleet = fleet;
    }

    public Instance update(String name, Change c) {
        Instance cur = fleet.require(Validate.name(name));
        String model = c.model() == null ? cur.model() : Validate.model(c.model());
        String bind = c.bind() == null ? cur.bind() : Validate.bind(c.bind());
        int port = cur.port();
        if (c.port() != null && Validate.port(c.port()) != cur.port()) {
            port = Validate.port(c.port());
            Ports.check(port, bind == null ? fleet.config().defaults().bind() : bind, fleet.portsInUse(), name);
        }
        // Double.valueOf: a plain double in the ternary would unbox cur.cpus(), which is null when unset
        Double cpus = c.cpus() == null ? cur.cpus() : Double.valueOf(Validate.cpus(c.cpus()));
        if (c.cpus() != null) {
            HostLimits.checkCpus(cpus, "--cpus");
        }
        String memory = cur.memory();
        if (c.memory() != null) {
            HostLimits.checkMemory(Validate.memory(c.memory()), c.memory(), "--memory");
            memory = c.memory();
        }
        String provider = c.provider() == null ? cur.provider() : Validate.provider(c.provider());
        String budget = cur.sessionsBudget();
        if (c.sessionsBudget() != null) {
            // "default": the fleet's sessions.budget again
            budget = c.sessionsBudget().equals("default")
                    ? null
                    : c.sessionsBudget().trim();
            if (budget != null) {
                Validate.size("--sessions-budget", budget);
            }
        }
        // "default": fleet.yaml's defaults.network again
        NetworkMode network = c.network() == null
                ? cur.network()
                : c.network().equals("default") ? null : NetworkMode.parse("--network", c.network());
        String apiBase = c.apiBase() == null ? null : Validate.apiBase(c.apiBase());
        if (c.soul() != null && cur.effectiveStorage(fleet.config()) == Storage.VOLUME) {
            throw AgentctlException.badInput(
                    "--soul: " + cur.name() + " keeps its workspace in a volume, which agentctl"
                            + " only reaches through the engine; copy a soul in with agentctl cp FILE " + cur.name()
                            + ":workspace/SOUL.md");
        }
        Souls.Soul soul = c.soul() == null ? null : Souls.resolve(fleet, c.soul());
        Map<String, String> env = new LinkedHashMap<>(cur.env());
        c.env().forEach((k, v) -> {
            if (v.isEmpty()) {
                env.remove(k); // KEY= removes it: an empty secret is a missing one
            } else {
                EnvFile.checkValue(k, v);
                env.put(k, v);
            }
        });
        c.unset().forEach(env::remove);
        Instance next = new Instance(
                cur.name(),
                cur.dir(),
                port,
                model,
                provider,
                soul == null ? cur.soul() : soul.name(),
                cur.created(),
                cpus,
                memory,
                cur.pids(),
                bind,
                cur.security(),
                env,
                cur.configDigest(),
                budget,
                network,
                cur.storage());
        ObjectNode cfg = ConfigJson.read(cur.dir());
        boolean configChanged =
                port != cur.port() || !model.equals(cur.model()) || c.provider() != null || apiBase != null;
        if (configChanged) {
            cfg.with("agents").with("defaults").put("model", model);
            cfg.with("gateway").put("port", port);
            Providers.configure(cfg, provider, apiBase);
        }
        if (!env.equals(cur.env())) {
            Channels.requireUnique(fleet, name, cfg, env);
        }
        try {
            if (configChanged) {
                ConfigJson.write(cur.dir(), cfg);
            }
            if (soul != null) {
                replaceSoul(cur, next, soul);
            }
            if (!env.equals(cur.env())) {
                EnvFile.write(cur.envFile(), env);
            }
            InstanceFiles.writeSettings(cur.dir(), next);
            AtomicFiles.write(cur.dir().resolve(Instance.INFO), InstanceFiles.info(fleet, next));
        } catch (IOException e) {
            throw AgentctlException.failed("cannot change instance '" + name + "': " + e.getMessage(), e);
        }
        return next;
    }

    /**
     * Turns a channel on (its secret fields as ${VAR}s, the values from {@code given} or already in the .env; a
     * missing one is refused naming the variable) or off. A token another instance uses is refused.
     */
    public Instance channel(String name, String channel, boolean on, Map<String, String> given) {
        Instance cur = fleet.require(Validate.name(name));
        Channels.Channel c = Channels.require(channel);
        ObjectNode cfg = ConfigJson.read(cur.dir());
        Map<String, String> env = new LinkedHashMap<>(cur.env());
        given.forEach((k, v) -> {
            if (!v.isEmpty()) {
                EnvFile.checkValue(k, v);
                env.put(k, v);
            }
        });
        if (on) {
            Channels.enable(cfg, c);
            List<String> missing = c.secrets().stream()
                    .map(c::variable)
                    .filter(v -> env.getOrDefault(v, "").isEmpty())
                    .toList();
            if (!missing.isEmpty()
                    && (!c.anyOf() || missing.size() == c.secrets().size())) {
                String vars = c.anyOf() ? String.join(" or ", missing) : String.join(" and ", missing);
                throw AgentctlException.badInput(c.name() + " needs " + vars + ": give --env "
                        + String.join(" --env ", c.anyOf() ? missing.subList(0, 1) : missing)
                        + " (the value from your environment, or asked for on a terminal)");
            }
            Channels.requireUnique(fleet, cur.name(), cfg, env);
        } else {
            Channels.disable(cfg, c.name());
        }
        try {
            ConfigJson.write(cur.dir(), cfg);
            if (!env.equals(cur.env())) {
                EnvFile.write(cur.envFile(), env);
            }
        } catch (IOException e) {
            throw AgentctlException.failed("cannot change instance '" + name + "': " + e.getMessage(), e);
        }
        return fleet.load(cur.name());
    }

    /** Turns every chat channel of an instance off (a copy must not poll its original's bots); the names turned off. */
    public List<String> detachChannels(String name) {
        Instance cur = fleet.require(Validate.name(name));
        ObjectNode cfg = ConfigJson.read(cur.dir());
        List<String> off = Channels.detachAll(cfg);
        if (!off.isEmpty()) {
            try {
                ConfigJson.write(cur.dir(), cfg);
            } catch (IOException e) {
                throw AgentctlException.failed("cannot change instance '" + name + "': " + e.getMessage(), e);
            }
        }
        return off;
    }

    /** The old SOUL.md (a regular file only; a link there is never followed) is kept as SOUL.md.bak. */
    private static void replaceSoul(Instance cur, Instance next, Souls.Soul soul) throws IOException {
        try (UntrustedDir ws = UntrustedDir.open(cur.dir(), "workspace")) {
            int owner = InstanceFiles.containerOwner();
            Optional<byte[]> old;
            try {
                old = ws.readIfExists("SOUL.md", Souls.MAX_BYTES * 4);
            } catch (IOException e) {
                old = Optional.empty(); // a link or a FIFO where SOUL.md was: nothing worth keeping
            }
            if (old.isPresent()) {
                ws.write("SOUL.md.bak", old.get(), AtomicFiles.PUBLIC_FILE, owner);
            }
            ws.write(
                    "SOUL.md",
                    Scaffolder.fill(soul.text(), next).getBytes(StandardCharsets.UTF_8),
                    AtomicFiles.PUBLIC_FILE,
                    owner);
        }
    }
}
