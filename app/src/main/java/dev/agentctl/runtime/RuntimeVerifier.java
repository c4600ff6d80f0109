package dev.agentctl.runtime;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.OneOff;
import dev.agentctl.engine.RunResult;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.FleetConfig;
import dev.agentctl.spec.ContainerSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code runtime verify}: throwaway containers of the image with the current runtime mounted read-only. */
public final class RuntimeVerifier {
    public record Check(String name, boolean ok, String detail) {}

    private final Fleet fleet;
    private final ContainerEngine engine;

    public RuntimeVerifier(Fleet fleet, ContainerEngine engine) {
        this.fleet = fleet;
        this.engine = engine;
    }

    public List<Check> verify() {
        RuntimeBuilds builds = new RuntimeBuilds(fleet);
        FleetConfig.Runtime rt = fleet.config().runtime();
        Path cur = builds.current()
                .orElseThrow(() -> AgentctlException.badInput("no runtime build yet: run 'agentctl runtime build'"));
        String image = builds.imageOf(cur);
        if (engine.image(image).isEmpty()) {
            throw AgentctlException.badInput(
                    "runtime image " + image + " is missing: run 'agentctl runtime build --force'");
        }
        List<ContainerSpec.Mount> mount = List.of(new ContainerSpec.Mount(cur.toString(), rt.mountPath(), true));
        String user = "1000:1000";
        List<Check> checks = new ArrayList<>();
        List<String> version = new ArrayList<>(List.of(rt.command().get(0), "--version"));
        RunResult r = engine.runOnce(new OneOff(image, null, version, mount, user));
        checks.add(new Check(
                "command starts (" + String.join(" ", version) + ")",
                r.exitCode() == 0,
                r.output().strip()));
        // the image puts the mount's bin/ on PATH (so `exec nanobot` works); any python elsewhere is a failure
        String noPython = "command -v python3 python 2>/dev/null; "
                + "ls -d /usr/bin/python* /usr/local/bin/python* /usr/lib/python3* /usr/local/lib/python3* 2>/dev/null;"
                + " true";
        r = engine.runOnce(new OneOff(image, List.of("/bin/sh", "-c"), List.of(noPython), mount, user));
        List<String> found = r.output()
                .lines()
                .filter(l -> !l.isBlank() && !l.startsWith(rt.mountPath() + "/"))
                .toList();
        checks.add(new Check(
                "no python outside " + rt.mountPath(),
                r.exitCode() == 0 && found.isEmpty(),
                found.isEmpty() ? "none found" : "found: " + String.join(" ", found)));
        r = engine.runOnce(new OneOff(
                image,
                List.of("/bin/sh", "-c"),
                List.of("touch " + rt.mountPath() + "/.agentctl-write-test 2>&1 && echo WRITABLE"),
                mount,
                "0:0"));
        checks.add(new Check(
                rt.mountPath() + " is read-only (even for root)",
                !r.output().contains("WRITABLE"),
                r.output().strip()));
        return checks;
    }
}
