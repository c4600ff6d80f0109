package dev.agentctl.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentctl.AgentctlException;
import dev.agentctl.fleet.Channels;
import dev.agentctl.fleet.Fleet;
import dev.agentctl.fleet.Instance;
import dev.agentctl.fleet.Placeholders;
import dev.agentctl.fleet.Providers;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What must hold before an instance's agent is started, because the real nanobot exits at once otherwise: its
 * provider's API key is set and not empty (unless the provider needs none), and every ${VAR} its config.json refers
 * to is set. {@code up} refuses an instance that fails, naming the variable and the command that sets it.
 */
public final class Preflight {
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
            String fromEnv = "NANOBOT_PROVIDERS__" + i.provider().toUpperCase(java.util.Locale.ROOT) + "__API_KEY";
            boolean viaNanobotVariable =
                    raw.isEmpty() && !i.env().getOrDefault(fromEnv, "").isEmpty();
            if (Placeholders.resolve(raw, i.env()).isEmpty() && !viaNanobotVariable) {
                String key = Placeholders.first(raw).orElse(Providers.keyVariable(i.provider()));
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
                Optional<String> var = Placeholders.whole(raw);
                String value = var.isPresent() ? i.env().getOrDefault(var.get(), "") : raw;
                if (value.isEmpty()) {
                    empty.add(field + var.map(v -> " (" + v + " is empty)").orElse(""));
                }
            }
            boolean fails = c.anyOf() ? empty.size() == c.secrets().size() : !empty.isEmpty();
            if (fails) {
                out.add(i.name() + "'s " + ch + " channel has no " + String.join(c.anyOf() ? " or " : " and ", empty)
                        + ": agentctl channel enable " + i.name() + " " + ch + " --env "
                        + c.variable(c.secrets().get(0)) + "=VALUE");
            }
        }
        for (String var : Placeholders.names(cfg)) {
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
        var registry = Channels.registry(fleet); // read once for all of them
        instances.forEach(i -> Channels.requireUnique(registry, i.name(), Fleet.readConfig(i.dir()), i.env()));
    }
}
