package dev.agentctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Channels;
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
        JsonNode cfg = Fleet.readConfig(i.dir());
        String named = cfg.path("agents").path("defaults").path("provider").asText("auto");
        if (!named.equals("auto")) {
            try {
                Providers.check(named);
            } catch (AgentctlException e) {
                out.add(i.name() + "'s config.json names provider '" + named + "', which nanobot does not know (it"
                        + " would exit at once): agentctl set " + i.name() + " --provider NAME");
            }
        }
        if (Providers.needsKey(i.provider())) {
            String raw = cfg.path("providers").path(i.provider()).path("apiKey").asText("");
            Matcher m = PLACEHOLDER.matcher(raw);
            String fromEnv = "NANOBOT_PROVIDERS__" + i.provider().toUpperCase(java.util.Locale.ROOT) + "__API_KEY";
            boolean viaNanobotVariable =
                    raw.isEmpty() && !i.env().getOrDefault(fromEnv, "").isEmpty();
            if (Channels.resolve(raw, i.env()).isEmpty() && !viaNanobotVariable) {
                String key = m.find() ? m.group(1) : Providers.keyVariable(i.provider());
                out.add(key + " (the " + i.provider() + " API key) is not set for " + i.name() + ": agentctl set "
                        + i.name() + (raw.isEmpty() ? " --provider " + i.provider() : "") + " --env " + key);
            }
        }
        if (Providers.needsApiBase(i.provider())
                && Providers.apiBase(cfg, i.provider()).isEmpty()) {
            out.add(i.name() + "'s provider " + i.provider() + " needs the URL of its server: agentctl set " + i.name()
                    + " --api-base URL");
        }
        for (String ch : Channels.enabled(cfg)) {
            Channels.Channel c = Channels.ALL.get(ch);
            List<String> empty = new ArrayList<>();
            for (String field : c.secrets()) {
                String raw = cfg.path("channels").path(ch).path(field).asText("");
                Matcher m = PLACEHOLDER.matcher(raw);
                String value = m.matches() ? i.env().getOrDefault(m.group(1), "") : raw;
                if (value.isEmpty()) {
                    empty.add(field + (m.matches() ? " (" + m.group(1) + " is empty)" : ""));
                }
            }
            boolean fails = c.anyOf() ? empty.size() == c.secrets().size() : !empty.isEmpty();
            if (fails) {
                out.add(i.name() + "'s " + ch + " channel has no " + String.join(c.anyOf() ? " or " : " and ", empty)
                        + ": agentctl channel enable " + i.name() + " " + ch + " --env "
                        + c.variable(c.secrets().get(0)) + "=VALUE");
            }
        }
        for (String var : placeholders(cfg)) {
            if (!PROVIDED.contains(var)
                    && !i.env().containsKey(var)
                    && out.stream().noneMatch(p -> p.startsWith(var + " "))) {
                out.add(var + " (in " + i.name() + "'s config.json) is not set in its .env: agentctl set " + i.name()
                        + " --env " + var);
            }
        }
        return out;
    }

    /**
     * Refuses (exit 2, nothing changed) when any of the instances cannot start, or would share a channel token with
     * another instance of the fleet.
     */
    public static void require(Fleet fleet, List<Instance> instances) {
        List<String> all = new ArrayList<>();
        instances.forEach(i -> all.addAll(problems(i)));
        if (!all.isEmpty()) {
            throw AgentctlException.badInput(String.join("; ", all));
        }
        instances.forEach(i -> Channels.requireUnique(fleet, i.name(), Fleet.readConfig(i.dir()), i.env()));
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
