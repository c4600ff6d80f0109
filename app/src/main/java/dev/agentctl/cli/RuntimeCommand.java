package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.engine.EngineException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.ops.FleetContainers;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.SessionsBack;
import dev.agentctl.runtime.RuntimeBuilder;
import dev.agentctl.runtime.RuntimeBuilds;
import dev.agentctl.runtime.RuntimeVerifier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "runtime",
        description = "The shared read-only Python runtime and the slim runtime image.",
        subcommands = {
            RuntimeCommand.Build.class,
            RuntimeCommand.Status.class,
            RuntimeCommand.Verify.class,
            RuntimeCommand.Rollback.class
        },
        footer = {
            "",
            "Examples:",
            "  agentctl runtime build",
            "  agentctl runtime status --json",
            "  agentctl runtime verify",
            "  agentctl runtime rollback"
        })
final class RuntimeCommand extends BaseCommand {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return 0;
    }

    static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1e6);
    }

    /** Build output as a terminal shows it, or plain: no escape codes when not on a colour terminal. */
    static String plain(String line, boolean colour) {
        return colour
                ? line
                : line.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\u001B[()][0-9A-Za-z]", "");
    }

    @Command(
            name = "build",
            description = "Build the runtime (skipped when nothing changed) and the runtime image.",
            footer = {"", "Examples:", "  agentctl runtime build", "  agentctl runtime build --force --verbose"})
    static final class Build extends EngineCommand {
        @Option(names = "--force", description = "Rebuild even when nothing changed.")
        boolean force;

        @Option(names = "--no-cache", description = "Do not use Docker's build cache.")
        boolean noCache;

        @Option(
                names = {"-v", "--verbose"},
                description = "Show the full build output.")
        boolean verbose;

        @Override
        protected int run(Fleet fleet, FleetContainers containers) {
            RuntimeBuilder rb = new RuntimeBuilder(fleet, containers.engine());
            RuntimeBuilder.BuildResult r;
            try (FleetLock lock = lock(fleet)) {
                r = rb.build(force, noCache, s -> out().println(plain(s, colour())), line -> {
                    if (verbose) {
                        out().println("      | " + plain(line, colour()));
                    }
                });
            } catch (EngineException.BuildFailed e) {
                err().println("agentctl: runtime build failed at " + RuntimeBuilder.shortStep(e.step()));
                List<String> lines = e.output();
                if (!lines.isEmpty()) {
                    err().println("  its last output lines:");
                    for (String l : lines.subList(Math.max(0, lines.size() - 20), lines.size())) {
                        err().println("  | " + plain(l, colour()));
                    }
                }
                err().println("  " + Main.firstLine(e.reason()));
                err().println("runtime/current and the runtime image were left as they were.");
                return AgentctlException.FAILED;
            }
            if (r.upToDate()) {
                out().println("Runtime up to date (build " + r.buildId() + "); use --force to rebuild.");
                return 0;
            }
            out().printf(
                            "Built runtime %s in %.1f s: image %s %s, runtime %s%n",
                            r.buildId(),
                            r.took().toMillis() / 1000.0,
                            fleet.config().runtime().image(),
                            mb(r.imageSize()),
                            mb(r.runtimeSize()));
            out().println("Instances move onto it at the next 'agentctl up' (one at a time).");
            return 0;
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
        }
    }

    @Command(
            name = "status",
            description = "The current runtime build, its versions, and whether its source changed since.",
            footer = {"", "Examples:", "  agentctl runtime status", "  agentctl runtime status --json"})
    static final class Status extends EngineCommand {
        @Option(names = "--json", description = "JSON output.")
        boolean json;

        @Override
        protected int run(Fleet fleet, FleetContainers containers) throws Exception {
            Map<String, Object> s = new RuntimeBuilder(fleet, containers.engine()).status();
            if (json) {
                printJson(s);
                return 0;
            }
            if (!(Boolean) s.get("built")) {
                out().println("No runtime build yet: run 'agentctl runtime build'.");
                return 0;
            }
            out().println("build:    " + s.get("id")
                    + (Boolean.TRUE.equals(s.get("stale"))
                            ? "  (STALE: the source changed; run agentctl runtime build)"
                            : ""));
            if (s.get("staleReason") != null) {
                out().println("stale:    unknown (" + s.get("staleReason") + ")");
            }
            out().println("built:    " + s.get("builtAt"));
            out().println("python:   " + s.get("python"));
            out().println("package:  " + s.get("package"));
            out().println("runtime:  " + s.get("path") + " (" + mb((Long) s.get("runtimeSize")) + ")");
            out().println("image:    " + s.get("image")
                    + (s.containsKey("imageId")
                            ? " " + s.get("imageId") + " (" + mb((Long) s.get("imageSize")) + ")"
                            : " (missing)"));
            if (s.containsKey("previous")) {
                out().println("previous: " + s.get("previous") + " (agentctl runtime rollback)");
            }
            return 0;
        }
    }

    @Command(
            name = "verify",
            description = "Run throwaway containers of the image with the runtime mounted read-only and check them.",
            footer = {"", "Examples:", "  agentctl runtime verify"})
    static final class Verify extends EngineCommand {
        @Override
        protected int run(Fleet fleet, FleetContainers containers) {
            boolean ok = true;
            for (RuntimeVerifier.Check c : new RuntimeVerifier(fleet, containers.engine()).verify()) {
                out().println((c.ok() ? "ok    " : "FAIL  ")
                        + c.name()
                        + (c.detail().isBlank() ? "" : ": " + c.detail()));
                ok &= c.ok();
            }
            return ok ? 0 : AgentctlException.FAILED;
        }
    }

    @Command(
            name = "rollback",
            description = "Switch runtime/current back to the previous build.",
            footer = {
                "",
                "A rollback from a nanobot that keeps sessions in the config folder (after 0.3.0) to one that",
                "keeps them in the workspace (0.3.0) is refused: the agents would show no history. Give",
                "--move-sessions to stop the instances and carry their sessions back first, or --force.",
                "",
                "Examples:",
                "  agentctl runtime rollback && agentctl up",
                "  agentctl runtime rollback --move-sessions && agentctl up"
            })
    static final class Rollback extends EngineCommand {
        @Option(
                names = "--move-sessions",
                description = "Across a session layout change: stop the instances and move their sessions back into"
                        + " their workspaces (nanobot sessions restore-workspace) first.")
        boolean moveSessions;

        @Option(names = "--force", description = "Roll back across a session layout change without moving them.")
        boolean force;

        @Override
        protected int run(Fleet fleet, FleetContainers containers) {
            String id;
            List<String> stopped = List.of();
            try (FleetLock lock = lock(fleet)) {
                RuntimeBuilds builds = new RuntimeBuilds(fleet);
                Optional<RuntimeBuilds.LayoutChange> change = builds.rollbackLayoutChange();
                if (change.isPresent() && !force && !moveSessions) {
                    RuntimeBuilds.LayoutChange c = change.get();
                    throw AgentctlException.badInput("the previous build runs nanobot " + c.toVersion()
                            + ", which keeps sessions in the " + c.toLayout() + " folder, the current one ("
                            + c.fromVersion() + ") in the " + c.fromLayout() + " folder: after a rollback the agents"
                            + " would show no history; give --move-sessions to carry them back first, or --force;"
                            + " nothing was changed");
                }
                if (change.isPresent() && moveSessions) {
                    stopped = new SessionsBack(fleet, containers, line -> out().println("  " + line)).run();
                }
                id = builds.rollback(containers.engine());
            }
            out().println("runtime/current is now " + id + ". Run 'agentctl up' to move the instances onto it"
                    + (stopped.isEmpty() ? "" : " (stopped for the move: " + String.join(", ", stopped) + ")")
                    + ".");
            return 0;
        }

        @Override
        List<Integer> codes() {
            return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
        }
    }
}
