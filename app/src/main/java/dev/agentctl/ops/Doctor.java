package dev.agentctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.engine.EngineInfo;
import dev.agentctl.fleet.Channels;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.NanobotConfigMigration;
import dev.agentctl.spec.RuntimeRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code agentctl doctor}: one line per check, ok / warn / fail, each with the command that fixes it. Reads only:
 * nothing is changed, restarted or given back (the caller does not take the lock).
 */
public final class Doctor {
    /** One check's verdict; {@code fix} is empty when there is nothing to do. */
    public record Check(String check, String subject, String status, String message, String fix) {}

    private final Fleet fleet;
    private final FleetContainers containers;

    public Doctor(Fleet fleet, FleetContainers containers) {
        this.fleet = fleet;
        this.containers = containers;
    }

    public List<Check> run(List<String> names) {
        List<Check> out = new ArrayList<>();
        EngineInfo info = containers.engine().info();
        out.add(new Check(
                "engine",
                info.host(),
                "ok",
                "Docker " + info.serverVersion() + " (API " + info.apiVersion() + ")",
                ""));
        runtime(out);
        Map<Integer, String> ports = new HashMap<>();
        Map<String, Map<String, String>> tokens = Channels.registry(fleet);
        for (Fleet.Loaded l : fleet.loadAll()) {
            if (!names.isEmpty() && !names.contains(l.name())) {
                continue;
            }
            if (l.instance() == null) {
                out.add(new Check(
                        "files", l.name(), "fail", l.error(), "fix the file it names, or agentctl rm " + l.name()));
                continue;
            }
            instance(l.instance(), ports, tokens, out);
        }
        for (Holds.Hold h : new Holds(fleet).stale()) {
            out.add(new Check(
                    "holds",
                    h.instance(),
                    "warn",
                    "a killed agentctl (pid " + h.pid() + ") left it "
                            + h.mode().name().toLowerCase() + "d for a backup",
                    "agentctl status (gives it back)"));
        }
        return out;
    }

    private void runtime(List<Check> out) {
        RuntimeRef rt = RuntimeRef.current(fleet);
        if (!rt.exists()) {
            out.add(new Check("runtime", "-", "fail", "no runtime build yet", "agentctl runtime build"));
            return;
        }
        boolean image = containers.engine().image(rt.image()).isPresent();
        out.add(
                image
                        ? new Check("runtime", rt.id(), "ok", "build and image " + rt.image() + " present", "")
                        : new Check(
                                "runtime",
                                rt.id(),
                                "fail",
                                "its image " + rt.image() + " is missing",
                                "agentctl runtime build --force"));
    }

    private void instance(
            Instance i, Map<Integer, String> ports, Map<String, Map<String, String>> tokens, List<Check> out) {
        String n = i.name();
        modes(i, out);
        String other = ports.putIfAbsent(i.port(), n);
        if (other != null) {
            out.add(new Check(
                    "port",
                    n,
                    "fail",
                    "port " + i.port() + " is also " + other + "'s",
                    "agentctl set " + n + " --port P"));
        }
        for (String p : Preflight.problems(i)) {
            out.add(new Check("keys", n, "fail", p, p.substring(p.lastIndexOf(": ") + 2)));
        }
        try {
            Channels.requireUnique(tokens, n, Fleet.readConfig(i.dir()), i.env());
        } catch (AgentctlException e) {
            out.add(new Check(
                    "tokens", n, "fail", e.getMessage(), "agentctl channel enable " + n + " CHANNEL --env VAR"));
        }
        JsonNode cfg = Fleet.readConfig(i.dir());
        // what migrate would move into .env is what is written out in full
        List<String> literal = List.copyOf(
                NanobotConfigMigration.migrate(cfg, i.port()).moved().keySet());
        if (!literal.isEmpty()) {
            out.add(new Check(
                    "secrets",
                    n,
                    "warn",
                    "config.json holds literal secrets at " + String.join(", ", literal)
                            + " (the agent can read and rewrite config.json; .env is out of its reach)",
                    "move each into .env as ${VAR}: agentctl set " + n + " --env VAR, then edit config.json"));
        }
        String host = cfg.path("gateway").path("host").asText("127.0.0.1");
        if (!host.equals("0.0.0.0")) {
            out.add(new Check(
                    "gateway",
                    n,
                    "fail",
                    "gateway.host is " + host + ": the published port reaches nothing in the" + " container",
                    "set gateway.host to 0.0.0.0 in config.json"));
        }
    }

    /** .env 0600, config/ and workspace/ 0700; links there are never followed. */
    private static void modes(Instance i, List<Check> out) {
        Map<Path, String> want =
                Map.of(i.envFile(), "rw-------", i.configDir(), "rwx------", i.workspaceDir(), "rwx------");
        for (var e : want.entrySet()) {
            try {
                if (!Files.exists(e.getKey(), LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String got = PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(e.getKey(), LinkOption.NOFOLLOW_LINKS));
                if (!got.equals(e.getValue())) {
                    out.add(new Check(
                            "modes",
                            i.name(),
                            "warn",
                            e.getKey().getFileName() + " is " + got + ", not " + e.getValue(),
                            "chmod " + (e.getValue().startsWith("rwx") ? "700 " : "600 ") + e.getKey()));
                }
            } catch (IOException ex) {
                out.add(new Check("modes", i.name(), "warn", "cannot read the mode of " + e.getKey(), ""));
            }
        }
    }
}
