package dev.agentctl.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a single-instance nanobot {@code config.json} into one that runs inside a fleet container:
 * the gateway listens on 0.0.0.0 and the given port, the workspace is the container's, and every literal
 * secret becomes a {@code ${VAR}} placeholder whose value goes to the instance's .env.
 *
 * <p>A secret is any non-empty string, not already containing {@code ${}, under a key that (case and
 * {@code _}/{@code -} ignored) is {@code apiKey} or contains {@code token}, {@code secret}, {@code password}
 * or {@code authorization}; counters such as {@code maxTokens} are not. The whole tree is searched, so
 * {@code tools.web.search.apiKey} is moved as well as {@code providers.*.apiKey} and {@code channels.*.token}.
 * Pure: the input tree is not modified.
 */
public final class NanobotConfigMigration {

    public static final String CONTAINER_WORKSPACE = Layout.WORKSPACE_DIR;

    /**
     * @param config     the migrated copy
     * @param env        VAR -> secret value, for the .env file, in the order found
     * @param moved      each JSON path whose value was moved ("providers.openai.apiKey") -> its variable, in order
     */
    public record Result(ObjectNode config, LinkedHashMap<String, String> env, Map<String, String> moved) {}

    private NanobotConfigMigration() {}

    public static Result migrate(JsonNode original, int port) {
        if (original == null || !original.isObject())
            throw new IllegalArgumentException("config.json must be a JSON object");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        ObjectNode config = ((ObjectNode) original).deepCopy();

        ObjectNode gateway = object(config, "gateway");
        gateway.put("host", "0.0.0.0");
        gateway.put("port", port);
        object(object(config, "agents"), "defaults").put("workspace", CONTAINER_WORKSPACE);

        LinkedHashMap<String, String> env = new LinkedHashMap<>();
        Map<String, String> moved = new LinkedHashMap<>();
        walk(config, new ArrayList<>(), env, moved);
        return new Result(config, env, java.util.Collections.unmodifiableMap(moved));
    }

    /** The object under key, created (or replacing a non-object) when needed. */
    private static ObjectNode object(ObjectNode parent, String key) {
        JsonNode n = parent.get(key);
        if (n instanceof ObjectNode o) return o;
        return parent.putObject(key);
    }

    private static void walk(JsonNode node, List<String> path, Map<String, String> env, Map<String, String> moved) {
        if (node instanceof ObjectNode obj) {
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) keys.add(it.next());
            for (String key : keys) {
                JsonNode value = obj.get(key);
                path.add(key);
                if (value.isTextual() && isSecretKey(key) && isLiteral(value.asText())) {
                    String var = variableFor(path, value.asText(), env);
                    env.put(var, value.asText());
                    obj.set(key, TextNode.valueOf("${" + var + "}"));
                    moved.put(display(path), var);
                } else {
                    walk(value, path, env, moved);
                }
                path.remove(path.size() - 1);
            }
        } else if (node instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) {
                path.add(Integer.toString(i));
                walk(arr.get(i), path, env, moved);
                path.remove(path.size() - 1);
            }
        }
    }

    static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
        if (k.endsWith("tokens")) return false; // maxTokens, maxCompletionTokens: counts, not secrets
        return k.equals("apikey")
                || k.endsWith("apikey")
                || k.contains("token")
                || k.contains("secret")
                || k.contains("password")
                || k.contains("authorization");
    }

    private static boolean isLiteral(String v) {
        return !v.isEmpty() && !v.contains("${");
    }

    /**
     * providers.openai.apiKey -> OPENAI_API_KEY, channels.slack.botToken -> SLACK_BOT_TOKEN,
     * tools.web.search.api_key -> TOOLS_WEB_SEARCH_API_KEY. A name already taken by a different value gets _2, _3...
     */
    static String variableFor(List<String> path, String value, Map<String, String> taken) {
        List<String> parts = new ArrayList<>(path);
        if (parts.size() > 1
                && (parts.get(0).equals("providers") || parts.get(0).equals("channels"))) parts.remove(0);
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            if (b.length() > 0) b.append('_');
            b.append(snake(p));
        }
        String base = b.toString().replaceAll("_+", "_").replaceAll("^_|_$", "");
        if (base.isEmpty() || Character.isDigit(base.charAt(0))) base = "SECRET_" + base;
        String name = base;
        for (int i = 2; taken.containsKey(name) && !taken.get(name).equals(value); i++) name = base + "_" + i;
        return name;
    }

    /** apiKey -> API_KEY, api_key -> API_KEY, azure-openai -> AZURE_OPENAI. */
    private static String snake(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(s.charAt(i - 1))) b.append('_');
            b.append(c < 128 && Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return b.toString();
    }

    private static String display(List<String> path) {
        StringBuilder b = new StringBuilder();
        for (String p : path) {
            if (p.chars().allMatch(Character::isDigit)) {
                b.append('[').append(p).append(']');
            } else {
                if (b.length() > 0) b.append('.');
                b.append(p);
            }
        }
        return b.toString();
    }
}
