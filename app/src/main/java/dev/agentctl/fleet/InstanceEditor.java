package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import dev.agentctl.io.UntrustedDir;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
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
            String bind) {

        public boolean isEmpty() {
            return model == null
                    && port == null
                    && cpus == null
                    && memory == null
                    && soul == null
                    && env.isEmpty()
                    && unset.isEmpty()
                    && bind == null;
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
                cur.provider(),
                soul == null ? cur.soul() : soul.name(),
                cur.created(),
                cpus,
                memory,
                cur.pids(),
                bind,
                cur.security(),
                env,
                cur.configDigest());
        try {
            if (port != cur.port() || !model.equals(cur.model())) {
                ObjectNode cfg = ConfigJson.read(cur.dir());
                cfg.with("agents").with("defaults").put("model", model);
                cfg.with("gateway").put("port", port);
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
