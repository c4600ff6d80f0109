package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nanobot's ${NAME} placeholders in config.json strings (only that form, no defaults), which it resolves from its
 * environment at start: agentctl's .env for an instance.
 */
public final class Placeholders {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private Placeholders() {}

    /** The variable a value consists of, when it is exactly one placeholder ("${TELEGRAM_TOKEN}"). */
    public static Optional<String> whole(String value) {
        Matcher m = PLACEHOLDER.matcher(value);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The first variable a value refers to, if any. */
    public static Optional<String> first(String value) {
        Matcher m = PLACEHOLDER.matcher(value);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** ${VAR}s replaced from {@code env} (an unset one by nothing), as nanobot does at start. */
    public static String resolve(String raw, Map<String, String> env) {
        Matcher m = PLACEHOLDER.matcher(raw);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(env.getOrDefault(m.group(1), "")));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** Every variable the strings of a config tree refer to, in order. */
    public static Set<String> names(JsonNode config) {
        Set<String> vars = new LinkedHashSet<>();
        collect(config, vars);
        return vars;
    }

    private static void collect(JsonNode n, Set<String> vars) {
        if (n.isTextual()) {
            Matcher m = PLACEHOLDER.matcher(n.asText());
            while (m.find()) {
                vars.add(m.group(1));
            }
        }
        n.forEach(child -> collect(child, vars));
    }
}
