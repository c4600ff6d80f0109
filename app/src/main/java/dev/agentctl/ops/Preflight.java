package dev.agentctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Providers;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What must hold before an instance's agent is started, because the real nanobot exits at once otherwise: its
 * provider's API key is set and not empty (unless the provider needs none), and every ${VAR} its config.json refers
 * to is set. {@code up} refuses an instance that fails, naming the variable and the command that sets it.
 */
public final class Preflight {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    /** Set in the container by agentctl itself, not by the .env. */
    private static final Set<String> PROVIDED = Set.of("GATEWAY_PORT");

    private Preflight() {}

    /** One line per problem, each naming the fix; empty when the agent can start. */
    public static List<String> problems(Instance i) {
        List<String> out = new ArrayList<>();
        if (Providers.needsKey(i.provider())) {
            String key = Providers.keyVariable(i.provider());
            if (i.env().getOrDefault(key, "").isEmpty()) {
                out.add(key + " (the " + i.provider() + " API key) is not set for " + i.name() + ": agentctl set "
                        + i.name() + " --env " + key);
            }
        }
        for (String var : placeholders(Fleet.readConfig(i.dir()))) {
            if (!PROVIDED.contains(var)
                    && !i.env().containsKey(var)
                    && out.stream().noneMatch(p -> p.startsWith(var + " "))) {
                out.add(var + " (in " + i.name() + "'s config.json) is not set in its .env: agentctl set " + i.name()
                        + " --env " + var);
            }
        }
        return out;
    }

    /** Refuses (exit 2, nothing changed) when any of the instances cannot start. */
    public static void require(List<Instance> instances) {
        List<String> all = new ArrayList<>();
        instances.forEach(i -> all.addAll(problems(i)));
        if (!all.isEmpty()) {
            throw AgentctlException.badInput(String.join("; ", all));
        }
    }

    static Set<String> placeholders(JsonNode config) {
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
