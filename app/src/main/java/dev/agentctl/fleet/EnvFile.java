package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An instance's .env: KEY=VALUE lines, the only place secrets live. Always written 0600. */
public final class EnvFile {
    private EnvFile() {}

    public static Map<String, String> read(Path file) {
        Map<String, String> env = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return env;
        }
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                int eq = t.indexOf('=');
                if (eq <= 0) {
                    throw AgentctlException.badInput(file + ":" + n + ": expected KEY=VALUE");
                }
                env.put(t.substring(0, eq).strip(), t.substring(eq + 1));
            }
        } catch (IOException e) {
            throw AgentctlException.badInput("cannot read " + file + ": " + e.getMessage());
        }
        return env;
    }

    public static void write(Path file, Map<String, String> env) {
        StringBuilder sb = new StringBuilder(
                "# Secrets of this instance (API keys, channel tokens). Mode 0600; never commit it.\n");
        sb.append("# config/config.json refers to them as ${NAME}; nanobot resolves them at start-up.\n");
        env.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        AtomicFiles.write(file, sb.toString(), AtomicFiles.PRIVATE_FILE);
    }

    /** For display: values replaced, only whether each is set shows. */
    public static Map<String, String> masked(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((k, v) -> out.put(k, v.isEmpty() ? "(empty)" : "****"));
        return out;
    }
}
