package dev.agentctl.ops;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.ContainerInfo;
import dev.agentctl.engine.OneOff;
import dev.agentctl.engine.RunResult;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Layout;
import dev.agentctl.runtime.RuntimeBuilds;
import dev.agentctl.spec.ContainerSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Carries every instance's sessions back into its workspace before a runtime rollback to a nanobot that keeps them
 * there (0.3.0): the agent must not run meanwhile, so running instances are stopped (the next {@code up} starts them
 * on the rolled-back runtime), then the current runtime's own {@code nanobot sessions restore-workspace} runs in a
 * throwaway container with the instance's folders, as the container user.
 */
public final class SessionsBack {
    private final Fleet fleet;
    private final FleetContainers containers;
    private final Consumer<String> progress;

    public SessionsBack(Fleet fleet, FleetContainers containers, Consumer<String> progress) {
        this.fleet = fleet;
        this.containers = containers;
        this.progress = progress;
    }

    /**
     * The instance's .env, plus an empty value for each ${VAR} of its config.json that it lacks: nanobot refuses to
     * load a config with an unset one, and moving sessions needs no secret.
     */
    private static java.util.Map<String, String> env(Instance i) {
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>(i.env());
        dev.agentctl.fleet.Placeholders.names(Fleet.readConfig(i.dir())).forEach(v -> env.putIfAbsent(v, ""));
        return env;
    }

    /** The agent's last output line, printable and short: the text is the agent's. */
    static String last(String output) {
        return Readiness.printable(output.strip().lines().reduce((a, b) -> b).orElse(""));
    }

    /** The instances that were running and are now stopped. Throws, naming the instance, when one move fails. */
    public List<String> run() {
        RuntimeBuilds builds = new RuntimeBuilds(fleet);
        Path cur = builds.current()
                .orElseThrow(() -> AgentctlException.badInput("no runtime build yet: run 'agentctl runtime build'"));
        String image = builds.imageOf(cur);
        String mount = fleet.config().runtime().mountPath();
        String nanobot = fleet.config().runtime().command().get(0);
        List<Instance> all = new ArrayList<>();
        for (Fleet.Loaded l : fleet.loadAll()) { // every instance readable before anything is stopped
            if (l.instance() == null) {
                throw AgentctlException.badInput("cannot carry the sessions of " + l.name() + " back: " + l.error()
                        + "; nothing was stopped or rolled back");
            }
            all.add(l.instance());
        }
        List<String> stopped = new ArrayList<>();
        for (Instance i : all) {
            Optional<ContainerInfo> c = containers.find(i.name());
            if (c.isPresent() && c.get().state().wasRunning()) {
                progress.accept("stopping " + i.name());
                if (c.get().state() == dev.agentctl.engine.ContainerState.PAUSED) {
                    containers.engine().unpause(c.get().id());
                }
                containers.engine().stop(c.get().id(), UpService.STOP_TIMEOUT);
                stopped.add(i.name());
            }
            RunResult r = containers
                    .engine()
                    .runOnce(new OneOff(
                            image,
                            null,
                            List.of(
                                    nanobot,
                                    "sessions",
                                    "restore-workspace",
                                    "-c",
                                    Layout.CONFIG_DIR + "/config.json",
                                    "-w",
                                    Layout.WORKSPACE_DIR),
                            java.util.stream.Stream.concat(
                                            java.util.stream.Stream.of(
                                                    new ContainerSpec.Mount(cur.toString(), mount, true)),
                                            dev.agentctl.spec.SpecBuilder.dataMounts(fleet, i).stream())
                                    .toList(),
                            "1000:1000",
                            env(i)));
            if (r.exitCode() != 0) {
                throw AgentctlException.failed(
                        "carrying " + i.name() + "'s sessions back failed (exit " + r.exitCode() + "): "
                                + last(r.output())
                                + "; the runtime was not rolled back (sessions already carried back are moved into"
                                + " the config folder again when their agents start on the current runtime)"
                                + (stopped.isEmpty() ? "" : "; stopped: " + String.join(", ", stopped)),
                        null);
            }
            progress.accept("carried " + i.name() + "'s sessions back into its workspace");
        }
        return stopped;
    }
}
