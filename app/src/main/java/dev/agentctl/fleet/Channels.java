package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentctl.AgentctlException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * nanobot's chat channels: the libraries each needs installed in the runtime (since 0.3.0 the gateway would
 * pip-install them at start, which fails on agentctl's read-only runtime), and the secret fields of each in
 * config.json, which agentctl writes as ${VAR} placeholders with the values in the instance's .env.
 */
public final class Channels {
    /** One channel: its pip requirements and its secret fields ({@code anyOf}: one of them is enough). */
    public record Channel(String name, List<String> requirements, List<String> secrets, boolean anyOf) {
        /** The .env variable agentctl uses for a secret field: telegram token -> TELEGRAM_TOKEN. */
        public String variable(String field) {
            return (name + "_" + field.replaceAll("([a-z])([A-Z])", "$1_$2")).toUpperCase(Locale.ROOT);
        }
    }

    /** From the reference (nanobot 0.3.0 and main). websocket (the WebUI) is always on and needs nothing. */
    public static final Map<String, Channel> ALL = table(
            new Channel(
                    "telegram",
                    List.of("python-telegram-bot[socks,webhooks]>=22.6,<23", "socksio", "python-socks[asyncio]"),
                    List.of("token"),
                    false),
            new Channel("discord", List.of("discord.py>=2.5.2"), List.of("token"), false),
            new Channel(
                    "slack",
                    List.of("aiohttp", "slack-sdk>=3.39", "slackify-markdown"),
                    List.of("botToken", "appToken"),
                    false),
            new Channel("whatsapp", List.of("neonize>=0.3.18.post0,<0.4", "segno"), List.of(), false),
            new Channel(
                    "matrix",
                    List.of("matrix-nio[e2e]", "aiohttp", "mistune", "nh3"),
                    List.of("password", "accessToken"),
                    true),
            new Channel("feishu", List.of("lark-oapi"), List.of("appId", "appSecret"), false),
            new Channel("dingtalk", List.of("dingtalk-stream"), List.of(), false),
            new Channel("qq", List.of("aiohttp", "qq-botpy"), List.of(), false),
            new Channel("msteams", List.of("PyJWT", "cryptography"), List.of(), false),
            new Channel("weixin", List.of("qrcode[pil]", "pycryptodome"), List.of(), false),
            new Channel("mochat", List.of("python-socketio", "msgpack"), List.of(), false),
            new Channel("napcat", List.of("aiohttp"), List.of(), false),
            new Channel("wecom", List.of("wecom-aibot-sdk-python"), List.of(), false),
            new Channel("email", List.of(), List.of("imapPassword", "smtpPassword"), false),
            new Channel("mattermost", List.of(), List.of(), false),
            new Channel("signal", List.of(), List.of(), false));

    private Channels() {}

    private static Map<String, Channel> table(Channel... cs) {
        Map<String, Channel> m = new LinkedHashMap<>();
        for (Channel c : cs) {
            m.put(c.name(), c);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    public static Channel require(String name) {
        Channel c = name == null ? null : ALL.get(name.strip().toLowerCase(Locale.ROOT));
        if (c == null) {
            throw AgentctlException.badInput(
                    "unknown channel '" + name + "': nanobot has " + String.join(", ", ALL.keySet()));
        }
        return c;
    }

    /** The pip requirements of the given channels, each once, in order. */
    public static List<String> requirements(List<String> channels) {
        List<String> out = new ArrayList<>();
        for (String n : channels) {
            for (String r : require(n).requirements()) {
                if (!out.contains(r)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** The channels config.json enables (websocket, always on, is not counted). */
    public static List<String> enabled(JsonNode config) {
        List<String> out = new ArrayList<>();
        config.path("channels").fields().forEachRemaining(e -> {
            if (ALL.containsKey(e.getKey()) && on(e.getValue().path("enabled"))) {
                out.add(e.getKey());
            }
        });
        return out;
    }

    /** As nanobot's config reads a boolean (leniently: true, "true", "yes", "on", "1", 1 are all on). */
    static boolean on(JsonNode v) {
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        if (v.isNumber()) {
            return v.asDouble() != 0;
        }
        return v.isTextual()
                && List.of("true", "yes", "on", "1", "t", "y")
                        .contains(v.asText().strip().toLowerCase(Locale.ROOT));
    }

    /** Turns a channel on in {@code config}, its secret fields as ${VAR} placeholders (other fields kept). */
    public static void enable(ObjectNode config, Channel c) {
        ObjectNode ch = config.with("channels").with(c.name());
        ch.put("enabled", true);
        for (String field : c.secrets()) {
            ch.put(field, "${" + c.variable(field) + "}");
        }
    }

    /** Turns a channel off (its settings stay, so enabling it again keeps them). */
    public static void disable(ObjectNode config, String name) {
        JsonNode ch = config.path("channels").path(name);
        if (ch.isObject()) {
            ((ObjectNode) ch).put("enabled", false);
        }
    }

    /** Turns every channel off; returns the names that were on. */
    public static List<String> detachAll(ObjectNode config) {
        List<String> on = enabled(config);
        config.path("channels")
                .fieldNames()
                .forEachRemaining(
                        n -> { // however "enabled" was spelt
                            if (!n.equals("websocket")) {
                                disable(config, n);
                            }
                        });
        return on;
    }

    /**
     * The secrets of an instance's enabled channels, resolved through its .env: "telegram.token" -> value. Empty
     * values are left out (they identify nothing).
     */
    public static Map<String, String> secrets(JsonNode config, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : enabled(config)) {
            for (String field : ALL.get(n).secrets()) {
                String raw = config.path("channels").path(n).path(field).asText("");
                String value = Placeholders.resolve(raw, env);
                if (!value.isEmpty()) {
                    out.put(n + "." + field, value);
                }
            }
        }
        return out;
    }

    /**
     * One token registry: no channel secret of {@code name} (its config and .env as they would be) may be one
     * another instance of the fleet already uses: two gateways polling one Telegram bot both loop on 409 Conflict.
     * Refused naming both instances and the channel, never the value.
     */
    public static void requireUnique(Fleet fleet, String name, JsonNode config, Map<String, String> env) {
        if (!secrets(config, env).isEmpty()) { // no channel secret: nothing to read the fleet for
            requireUnique(registry(fleet), name, config, env);
        }
    }

    /** As above, against a registry read once (for checking many instances). */
    public static void requireUnique(
            Map<String, Map<String, String>> registry, String name, JsonNode config, Map<String, String> env) {
        Map<String, String> mine = secrets(config, env);
        for (var other : registry.entrySet()) {
            if (other.getKey().equals(name)) {
                continue;
            }
            for (var e : mine.entrySet()) {
                for (var t : other.getValue().entrySet()) {
                    if (e.getValue().equals(t.getValue())) {
                        throw AgentctlException.badInput(name + "'s " + e.getKey() + " is the one " + other.getKey()
                                + " uses (" + t.getKey() + "): two gateways on one token both fail (a Telegram bot"
                                + " answers 409 Conflict to both); give " + name + " its own");
                    }
                }
            }
        }
    }

    /** Every readable instance's channel secrets, by name (an unreadable instance blocks only itself). */
    public static Map<String, Map<String, String>> registry(Fleet fleet) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Fleet.Loaded l : fleet.loadAll()) {
            if (l.instance() == null) {
                continue;
            }
            try {
                out.put(
                        l.name(),
                        secrets(
                                Fleet.readConfig(l.instance().dir()),
                                l.instance().env()));
            } catch (AgentctlException unreadable) {
                // blocks only itself
            }
        }
        return out;
    }
}
