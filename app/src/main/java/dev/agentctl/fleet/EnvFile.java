package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import dev.agentctl.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An instance's .env: the only place secrets live, always 0600, beside instance.yaml (a folder no container sees).
 *
 * <p>Written as {@code KEY='value'}: single quotes are the one form that docker-compose 1.x (python-dotenv, no
 * interpolation of env_file) and compose v2 (compose-go: no interpolation or escapes inside single quotes) read as
 * the same literal value, whatever it holds ($, #, spaces, double quotes). A value holding a single quote, a
 * backslash or a line break is refused: those two read it differently, and the container would get another
 * secret than the one given. Read: single-quoted, double-quoted (\" and \\ unescaped) and plain values (trailing
 * blanks and a " #" comment dropped, as compose does); values are otherwise never trimmed.
 */
public final class EnvFile {
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private EnvFile() {}

    public static Map<String, String> read(Path file) {
        Map<String, String> env = new LinkedHashMap<>();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return env;
        }
        return parse(file.toString(), Fleet.readOwnFile(file));
    }

    public static Map<String, String> parse(String where, String text) {
        Map<String, String> env = new LinkedHashMap<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            String t = line.stripLeading();
            if (t.isBlank() || t.startsWith("#")) {
                continue;
            }
            if (t.startsWith("export ")) {
                t = t.substring("export ".length()).stripLeading();
            }
            int eq = t.indexOf('=');
            String key = eq <= 0 ? "" : t.substring(0, eq).strip();
            if (!KEY.matcher(key).matches()) {
                throw AgentctlException.badInput(where + ":" + n + ": expected KEY=VALUE");
            }
            env.put(key, value(where + ":" + n, t.substring(eq + 1)));
        }
        return env;
    }

    private static String value(String where, String raw) {
        if (raw.startsWith("'")) {
            int end = raw.indexOf('\'', 1);
            if (end < 0) {
                throw AgentctlException.badInput(where + ": a value opened with ' is never closed");
            }
            return raw.substring(1, end);
        }
        if (raw.startsWith("\"")) {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c == '\\' && i + 1 < raw.length() && (raw.charAt(i + 1) == '"' || raw.charAt(i + 1) == '\\')) {
                    b.append(raw.charAt(++i));
                } else if (c == '"') {
                    return b.toString();
                } else {
                    b.append(c);
                }
            }
            throw AgentctlException.badInput(where + ": a value opened with \" is never closed");
        }
        int comment = raw.indexOf(" #");
        return (comment >= 0 ? raw.substring(0, comment) : raw).stripTrailing();
    }

    /** Refuses a value that compose 1.x and v2 would not read back identically from the file. */
    public static void checkValue(String key, String value) {
        if (value.indexOf('\'') >= 0
                || value.indexOf('\\') >= 0
                || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0
                || value.indexOf('\0') >= 0
                || value.contains("${")) {
            throw AgentctlException.badInput("the value of " + key + " holds a single quote, a backslash, a line"
                    + " break or ${: docker-compose v1 and v2 read those differently from an env file (1.x expands"
                    + " ${VAR} even in quotes), so agentctl refuses it (the value is not shown: it may be a secret)");
        }
    }

    public static void write(Path file, Map<String, String> env) {
        AtomicFiles.write(file, render(env), AtomicFiles.PRIVATE_FILE);
    }

    static String render(Map<String, String> env) {
        StringBuilder sb = new StringBuilder(
                "# Secrets of this instance (API keys, channel tokens). Mode 0600; never commit it.\n");
        sb.append("# config/config.json refers to them as ${NAME}; nanobot resolves them at start-up.\n");
        env.forEach((k, v) -> {
            checkValue(k, v);
            sb.append(k).append("='").append(v).append("'\n");
        });
        return sb.toString();
    }

    /** For display: values replaced, only whether each is set shows. */
    public static Map<String, String> masked(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        env.forEach((k, v) -> out.put(k, v.isEmpty() ? "(empty)" : "****"));
        return out;
    }
}
