package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.compose.ComposeFiles;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Scaffolder;
import dev.agentctl.fleet.Validate;
import dev.agentctl.spec.SpecBuilder;
import java.io.Console;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "create",
        description = "Scaffold a new instance: config, persona, workspace, secrets file, compose files.",
        footer = {
            "",
            "Examples:",
            "  agentctl create alice 18790 gpt-4o-mini --soul expert",
            "  agentctl create bob                       # first free port, fleet's default model and soul",
            "  agentctl create carol --provider anthropic --env ANTHROPIC_API_KEY=sk-... --memory 512m",
            "  agentctl create dave --soul ./my-persona.md"
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

    @Option(names = "--provider", paramLabel = "P", description = "nanobot provider (default: the fleet's).")
    String provider;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "A secret for the instance's .env (repeatable).")
    List<String> env = List.of();

    @Option(names = "--cpus", paramLabel = "N")
    String cpus;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Like 512m or 1g.")
    String memory;

    @Option(
            names = "--bind",
            paramLabel = "ADDR",
            description = "Address the port is published on (default: the fleet's, 127.0.0.1).")
    String bind;

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
        Scaffolder.Request req =
                new Scaffolder.Request(name, port, model, soul, provider, envPairs(env), cpus, memory, bind);
        Instance i;
        try (var lock = lock(fleet)) {
            i = new Scaffolder(fleet).create(req, inst -> ComposeFiles.override(fleet, SpecBuilder.build(fleet, inst)));
            ComposeFiles.write(fleet);
        }
        out().println("Created instance " + i.name() + " on port " + i.port() + " (model " + i.model() + ", soul "
                + i.soul() + ")");
        out().println("  folder:  " + i.dir());
        String keyVar = Validate.apiKeyVar(i.provider());
        if (i.env().getOrDefault(keyVar, "").isEmpty()) {
            out().println("  secrets: put " + keyVar + " in " + i.envFile() + "  (or: agentctl set " + i.name()
                    + " --env " + keyVar + "=...)");
        }
        out().println("  start:   agentctl up " + i.name());
        return 0;
    }

    static Map<String, String> envPairs(List<String> pairs) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String p : pairs) {
            String[] kv = Validate.envPair(p);
            env.put(kv[0], kv[1]);
        }
        return env;
    }

    private String askSoul() {
        Console c = System.console();
        if (c == null) {
            throw AgentctlException.badInput("--interactive needs a terminal; give --soul instead");
        }
        c.printf("Persona for %s:%n", name);
        for (int n = 0; n < Scaffolder.SOULS.size(); n++) {
            c.printf("  %d) %s%n", n + 1, Scaffolder.SOULS.get(n));
        }
        String a = c.readLine("Choose 1-%d [1]: ", Scaffolder.SOULS.size());
        if (a == null || a.isBlank()) {
            return Scaffolder.SOULS.get(0);
        }
        try {
            return Scaffolder.SOULS.get(Integer.parseInt(a.trim()) - 1);
        } catch (RuntimeException e) {
            return a.trim();
        }
    }
}
