package dev.agentctl.cli;

import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.EnvFile;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * Secrets for an instance's .env, given so that they stay out of {@code ps} and shell history: {@code --env KEY}
 * takes the value from agentctl's own environment (or asks for it, hidden, on a terminal), {@code --env-file FILE}
 * reads KEY=VALUE lines; {@code --env KEY=VALUE} works too. Values are taken exactly as given, never trimmed.
 */
final class EnvOptions {
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    @Option(
            names = "--env",
            paramLabel = "KEY[=VALUE]",
            description = "A secret for the instance's .env (repeatable). KEY alone takes the value from your"
                    + " environment (or asks on a terminal); KEY= removes it.")
    List<String> env = List.of();

    @Option(names = "--env-file", paramLabel = "FILE", description = "KEY=VALUE lines for the instance's .env.")
    Path envFile;

    Map<String, String> values(Map<String, String> environment) {
        Map<String, String> out = new LinkedHashMap<>();
        if (envFile != null) {
            try {
                out.putAll(EnvFile.parse(envFile.toString(), Files.readString(envFile, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw AgentctlException.badInput("cannot read --env-file '" + envFile + "': " + e.getMessage());
            }
        }
        for (String e : env) {
            int eq = e.indexOf('=');
            String key = eq < 0 ? e : e.substring(0, eq);
            if (!KEY.matcher(key).matches()) {
                throw AgentctlException.badInput("invalid --env '" + mask(e) + "': use KEY, KEY=VALUE or KEY= with KEY"
                        + " made of letters, digits and '_' (the value is not shown: it may be a secret)");
            }
            String value = eq < 0 ? fromEnvironment(environment, key) : e.substring(eq + 1);
            if (value.chars().anyMatch(c -> c == '\n' || c == '\r' || c == 0)) {
                throw AgentctlException.badInput(
                        "invalid --env " + key + ": the value holds a line break (not shown:" + " it may be a secret)");
            }
            out.put(key, value);
        }
        return out;
    }

    private static String fromEnvironment(Map<String, String> environment, String key) {
        String v = environment.get(key);
        if (v != null) {
            return v;
        }
        Console c = Main.realStdio ? System.console() : null;
        if (c != null) {
            char[] typed = c.readPassword("%s (not shown): ", key);
            if (typed != null && typed.length > 0) {
                return new String(typed);
            }
        }
        throw AgentctlException.badInput("--env " + key + ": " + key + " is not set in agentctl's environment"
                + " (export it first, give --env-file FILE, or run on a terminal to type it)");
    }

    /** An --env argument as it may be shown: the key only (a value may be a secret). */
    private static String mask(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            return KEY.matcher(text).matches() ? text : "***";
        }
        return text.substring(0, eq).replaceAll("\\p{Cntrl}", "?") + "=***";
    }
}
