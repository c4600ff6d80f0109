package dev.agentctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.EngineInfo;
import dev.agentctl.fleet.Channels;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.NanobotConfigMigration;
import dev.agentctl.fleet.Ports;
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
        FleetContainers.Observed seen = containers.observe();
        Map<String, StatusReport.Row> rows = new HashMap<>();
        StatusReport.collect(fleet, containers, names, false).forEach(r -> rows.put(r.name(), r));
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
            running(l.instance(), seen.byInstance().get(l.name()), rows.get(l.name()), out);
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
        for (String left : Leftovers.found(fleet, seen)) {
            out.add(new Check("leftovers", "-", "warn", left, "any agentctl command that changes the fleet tidies it"));
        }
        disk(out);
        return out;
    }

    /** The container against the files: its published port, its drift, and a port taken on the host. */
    private void running(Instance i, ContainerInfo c, StatusReport.Row row, List<Check> out) {
        String n = i.name();
        if (c != null && c.running()) {
            if (c.ports().stream().noneMatch(p -> p.hostPort() == i.port())) {
                out.add(new Check(
                        "port",
                        n,
                        "fail",
                        "its container publishes "
                                + (c.ports().isEmpty()
                                        ? "no port"
                                        : c.ports().stream()
                                                .map(p -> p.hostIp() + ":" + p.hostPort())
                                                .toList())
                                + ", its files say " + i.port(),
                        "agentctl up " + n));
            }
        } else if (row != null
                && !StatusReport.STOPPED.equals(row.state())
                && Ports.listening(i.effectiveBind(fleet.config()), i.port())) {
            out.add(new Check(
                    "port",
                    n,
                    "fail",
                    "port " + i.port() + " on " + i.effectiveBind(fleet.config())
                            + " is in use by another program: up would fail",
                    "stop that program, or agentctl set " + n + " --port P"));
        }
        List<String> drift = row == null
                ? List.of()
                : row.pending().stream()
                        .filter(p -> !p.startsWith("agentctl up"))
                        .toList();
        if (c != null && !drift.isEmpty()) {
            out.add(new Check(
                    "drift",
                    n,
                    "warn",
                    "its container differs from its files: " + String.join(", ", drift),
                    "agentctl up " + n));
        }
    }

    /** The file system of the fleet root against maintain.disk's thresholds. */
    private void disk(List<Check> out) {
        FleetConfig.Maintain cfg = fleet.config().maintain();
        try {
            java.nio.file.FileStore fs = Files.getFileStore(fleet.root());
            int used = Math.max(0, Maintain.percentUsed(fs));
            String msg = fleet.root() + ": " + used + "% used, " + fs.getUsableSpace() + " bytes free";
            String status = used >= cfg.diskCritical() ? "fail" : used >= cfg.diskWarn() ? "warn" : "ok";
            out.add(new Check(
                    "disk",
                    "-",
                    status,
                    msg
                            + (status.equals("ok")
                                    ? ""
                                    : " (warns at " + cfg.diskWarn() + "%, critical at " + cfg.diskCritical() + "%)"),
                    status.equals("ok")
                            ? ""
                            : "agentctl backup prune; agentctl sessions archive --all --older-than 30d"));
        } catch (IOException e) {
            out.add(new Check(
                    "disk", "-", "warn", "cannot read the disk of " + fleet.root() + ": " + e.getMessage(), ""));
        }
    }

    private void runtime(List<Check> out) {
        RuntimeRef rt = RuntimeRef.current(fleet);
        if (!rt.exists()) {
            out.add(new Check("runtime", "-", "fail", "no runtime build yet", "agentctl runtime build"));
            return;
        }
        if (containers.engine().image(rt.image()).isEmpty()) {
            out.add(new Check(
                    "runtime",
                    rt.id(),
                    "fail",
                    "its image " + rt.image() + " is missing",
                    "agentctl runtime build --force"));
            return;
        }
        // what 'runtime verify' checks, in throwaway containers that are removed again
        List<String> failed = new ArrayList<>();
        for (dev.agentctl.runtime.RuntimeVerifier.Check c :
                new dev.agentctl.runtime.RuntimeVerifier(fleet, containers.engine()).verify()) {
            if (!c.ok()) {
                failed.add(c.name() + ": " + Readiness.printable(c.detail()));
            }
        }
        out.add(
                failed.isEmpty()
                        ? new Check(
                                "runtime", rt.id(), "ok", "build and image " + rt.image() + " present and verified", "")
                        : new Check(
                                "runtime",
                                rt.id(),
                                "fail",
                                "does not verify: " + String.join("; ", failed),
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
