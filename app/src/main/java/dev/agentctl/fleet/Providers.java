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
}
