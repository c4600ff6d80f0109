package dev.agentctl.fleet;

import dev.agentctl.AgentctlException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** nanobot's provider names (0.3.0 and main) and what each needs to start. */
public final class Providers {
    /** The 46 names nanobot knows; any other makes the gateway exit 1. */
    public static final List<String> NAMES = List.of(
            "custom",
            "azure_openai",
            "bedrock",
            "anthropic",
            "openai",
            "openrouter",
            "orcarouter",
            "assemblyai",
            "huggingface",
            "skywork",
            "deepseek",
            "groq",
            "zhipu",
            "dashscope",
            "modelscope",
            "vllm",
            "ollama",
            "lm_studio",
            "atomic_chat",
            "ovms",
            "gemini",
            "moonshot",
            "kimi_coding",
            "minimax",
            "minimax_anthropic",
            "mistral",
            "stepfun",
            "xiaomi_mimo",
            "longcat",
            "ant_ling",
            "aihubmix",
            "siliconflow",
            "edenai",
            "novita",
            "volcengine",
            "volcengine_coding_plan",
            "byteplus",
            "byteplus_coding_plan",
            "openai_codex",
            "xai_grok",
            "github_copilot",
            "qianfan",
            "nvidia",
            "opencode",
            "opencode_zen",
            "opencode_go");

    /** Local servers: they need an apiBase and no API key. */
    public static final Set<String> NEED_API_BASE = Set.of("custom", "vllm", "ollama", "lm_studio");

    private Providers() {}

    /** A provider name as nanobot knows it ("lm-studio" is accepted as lm_studio); anything else is refused. */
    public static String check(String name) {
        String n = name == null ? null : name.strip().toLowerCase(Locale.ROOT).replace('-', '_');
        if (n != null && NAMES.contains(n)) {
            return n;
        }
        throw AgentctlException.badInput("unknown provider '" + name + "': nanobot knows " + String.join(", ", NAMES));
    }

    public static boolean needsApiBase(String provider) {
        return NEED_API_BASE.contains(provider);
    }

    /** Whether the provider needs an API key at all (local servers do not). */
    public static boolean needsKey(String provider) {
        return !NEED_API_BASE.contains(provider);
    }

    /** The environment variable holding a provider's API key, e.g. openai -> OPENAI_API_KEY. */
    public static String keyVariable(String provider) {
        return provider.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_API_KEY";
    }

    /**
     * Points config.json at {@code provider}: agents.defaults.provider, its apiKey as the ${VAR} of its key (unless
     * it needs none or already has one) and, when given, its apiBase.
     */
    public static void configure(com.fasterxml.jackson.databind.node.ObjectNode cfg, String provider, String apiBase) {
        cfg.with("agents").with("defaults").put("provider", provider);
        com.fasterxml.jackson.databind.node.ObjectNode p = cfg.with("providers").with(provider);
        if (needsKey(provider) && !p.hasNonNull("apiKey")) {
            p.put("apiKey", "${" + keyVariable(provider) + "}");
        }
        if (apiBase != null) {
            p.put("apiBase", apiBase);
        }
    }

    /** nanobot's "auto": model keywords -> provider, checked in this order. */
    private static final List<List<String>> KEYWORDS = List.of(
            List.of("gpt", "openai"),
            List.of("o1", "openai"),
            List.of("o3", "openai"),
            List.of("o4", "openai"),
            List.of("claude", "anthropic"),
            List.of("deepseek", "deepseek"),
            List.of("gemini", "gemini"),
            List.of("glm", "zhipu"),
            List.of("zhipu", "zhipu"),
            List.of("qwen", "dashscope"),
            List.of("kimi", "moonshot"),
            List.of("moonshot", "moonshot"),
            List.of("minimax", "minimax"),
            List.of("mistral", "mistral"),
            List.of("codestral", "mistral"),
            List.of("devstral", "mistral"),
            List.of("magistral", "mistral"),
            List.of("grok", "xai_grok"));

    /**
     * The provider nanobot would use for a config.json: agents.defaults.provider when it names one, else what its
     * "auto" picks (a provider-name prefix of the model, a keyword in it, else the first provider with an apiKey, or
     * an apiBase for the local ones); empty when it would find none.
     */
    public static java.util.Optional<String> inUse(com.fasterxml.jackson.databind.JsonNode cfg) {
        com.fasterxml.jackson.databind.JsonNode d = cfg.path("agents").path("defaults");
        String named = d.path("provider")
                .asText("auto")
                .strip()
                .toLowerCase(Locale.ROOT)
                .replace('-', '_');
        if (!named.isEmpty() && !named.equals("auto")) {
            return java.util.Optional.of(named);
        }
        String model = d.path("model").asText("").toLowerCase(Locale.ROOT);
        int slash = model.indexOf('/');
        if (slash > 0 && NAMES.contains(model.substring(0, slash).replace('-', '_'))) {
            return java.util.Optional.of(model.substring(0, slash).replace('-', '_'));
        }
        for (List<String> k : KEYWORDS) {
            if (model.contains(k.get(0))) {
                return java.util.Optional.of(k.get(1));
            }
        }
        for (var e : (Iterable<java.util.Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>>)
                () -> cfg.path("providers").fields()) {
            String field = needsApiBase(e.getKey()) ? "apiBase" : "apiKey";
            if (NAMES.contains(e.getKey())
                    && !e.getValue().path(field).asText("").isEmpty()) {
                return java.util.Optional.of(e.getKey());
            }
        }
        return java.util.Optional.empty();
    }

    /** The apiBase config.json gives {@code provider}, or "" when none. */
    public static String apiBase(com.fasterxml.jackson.databind.JsonNode cfg, String provider) {
        return cfg.path("providers").path(provider).path("apiBase").asText("");
    }
}
