package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.engine.ContainerEngine;
import dev.agentctl.engine.Engines;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Providers;
import dev.agentctl.fleet.Scaffolder;
import dev.agentctl.fleet.Souls;
import dev.agentctl.fleet.Storage;
import dev.agentctl.ops.FleetLock;
import dev.agentctl.ops.InstanceVolumes;
import java.io.Console;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "create",
        description = "Scaffold a new instance: config, persona, workspace, secrets file, compose files.",
        footer = {
            "",
            "Examples:",
            "  agentctl create alice 18790 gpt-4o-mini --soul expert --env OPENAI_API_KEY",
            "  agentctl create bob                       # first free port, fleet's default model and soul",
            "  agentctl create carol --provider anthropic --env-file carol.env --memory 512m",
            "  agentctl create dave --soul ./my-persona.md",
            "  agentctl create erin --provider ollama --api-base http://10.0.0.5:11434/v1"
        })
final class CreateCommand extends BaseCommand {
    @Parameters(
            index = "0",
            paramLabel = "NAME",
            description = "Lowercase letters, digits and '-', starting with a letter, at most 32.")
    String name;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "PORT",
            description = "1024-65535 (default: first free port of the fleet's range).")
    String port;

    @Parameters(index = "2", arity = "0..1", paramLabel = "MODEL", description = "Model (default: the fleet's).")
    String model;

    @Option(
            names = "--soul",
            paramLabel = "SOUL",
            description = "assistant, expert, creative, custom, or a path to a .md file.")
    String soul;

    @Option(
            names = "--provider",
            paramLabel = "P",
            description = "nanobot provider (default: the fleet's), e.g. openai, anthropic, openrouter, ollama.")
    String provider;

    @Option(
            names = "--api-base",
            paramLabel = "URL",
            description = "The provider's API URL (custom, vllm, ollama and lm_studio need one).")
    String apiBase;

    @Mixin
    EnvOptions env;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU limit, like 0.5 or 2 (at most this host's CPUs).")
    String cpus;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Memory limit, like 512m or 1g.")
    String memory;

    @Option(
            names = "--bind",
            paramLabel = "ADDR",
            description = "Address the port is published on (default: the fleet's, 127.0.0.1).")
    String bind;

    @Option(
            names = "--network",
            paramLabel = "MODE",
            description = "isolated (a network of its own, the default), fleet (shared with the other instances),"
                    + " internal (no way off this machine; no published port) or none.")
    String network;

    @Option(
            names = "--storage",
            paramLabel = "KIND",
            description = "bind (config/ and workspace/ folders under instances/NAME, the default) or volume (Docker"
                    + " volumes, reached only through the engine: agentctl cp, files, run).")
    String storage;

    @Option(
            names = {"-i", "--interactive"},
            description = "Ask for the persona on the terminal.")
    boolean interactive;

    @Override
    public Integer call() {
        Fleet fleet = fleet();
        if (interactive) {
            soul = askSoul();
        }
        Scaffolder.Request req = new Scaffolder.Request(
                name,
                port,
                model,
                soul,
                provider,
                env.values(globals().env),
                cpus,
                memory,
                bind,
                apiBase,
                network,
                storage);
        Storage kind = storage == null ? fleet.config().defaults().storage() : Storage.parse("--storage", storage);
        Instance i;
        try (FleetLock lock = lock(fleet);
                ContainerEngine engine = kind == Storage.VOLUME ? Engines.connect() : null) {
            Scaffolder s = new Scaffolder(fleet);
            if (engine != null) {
                s.withVolumes(new InstanceVolumes(fleet, engine));
            }
            i = s.create(req, inst -> ComposeFiles.override(fleet, inst));
            ComposeFiles.write(fleet);
        }
        out().println("Created instance " + i.name() + " on port " + i.port() + " (model " + i.model() + ", provider "
                + i.provider() + ", soul " + i.soul() + ")");
        out().println("  folder:  " + i.dir());
        if (kind == Storage.VOLUME) {
            out().println("  data:    volumes " + String.join(", ", new InstanceVolumes(fleet, null).names(i.name()))
                    + " (agentctl files " + i.name() + ", agentctl cp)");
        }
        String keyVar = Providers.keyVariable(i.provider());
        if (Providers.needsKey(i.provider()) && i.env().getOrDefault(keyVar, "").isEmpty()) {
            out().println("  missing: " + keyVar + " (the agent cannot start without it): agentctl set " + i.name()
                    + " --env " + keyVar);
        }
        if (Providers.needsApiBase(i.provider()) && apiBase == null) {
            out().println("  missing: the " + i.provider() + " server's URL (the agent cannot start without it):"
                    + " agentctl set " + i.name() + " --api-base URL");
        }
        out().println("  channels: none yet (the agent hears nobody): agentctl channel enable " + i.name()
                + " telegram --env TELEGRAM_TOKEN");
        out().println("  start:   agentctl up " + i.name());
        return 0;
    }

    @Override
    List<Integer> codes() {
        return codes(AgentctlException.ENGINE_UNREACHABLE, AgentctlException.LOCKED);
    }

    private String askSoul() {
        Console c = System.console();
        if (c == null) {
            throw AgentctlException.badInput("--interactive needs a terminal; give --soul instead");
        }
        c.printf("Persona for %s:%n", name);
        for (int n = 0; n < Souls.NAMES.size(); n++) {
            c.printf("  %d) %s%n", n + 1, Souls.NAMES.get(n));
        }
        String a = c.readLine("Choose 1-%d [1]: ", Souls.NAMES.size());
        if (a == null || a.isBlank()) {
            return Souls.NAMES.get(0);
        }
        try {
            return Souls.NAMES.get(Integer.parseInt(a.trim()) - 1);
        } catch (RuntimeException e) {
            return a.trim();
        }
    }
}
