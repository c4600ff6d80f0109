"""The provider check of the real gateway (see README.md, "Providers")."""
import re

from nanobot.config import ConfigError

# the 46 provider names of the reference, in its order
PROVIDERS = (
    "custom", "azure_openai", "bedrock", "anthropic", "openai", "openrouter", "orcarouter", "assemblyai",
    "huggingface", "skywork", "deepseek", "groq", "zhipu", "dashscope", "modelscope", "vllm", "ollama",
    "lm_studio", "atomic_chat", "ovms", "gemini", "moonshot", "kimi_coding", "minimax", "minimax_anthropic",
    "mistral", "stepfun", "xiaomi_mimo", "longcat", "ant_ling", "aihubmix", "siliconflow", "edenai", "novita",
    "volcengine", "volcengine_coding_plan", "byteplus", "byteplus_coding_plan", "openai_codex", "xai_grok",
    "github_copilot", "qianfan", "nvidia", "opencode", "opencode_zen", "opencode_go",
)
# local/self-hosted: need apiBase, no API key
NEEDS_API_BASE = ("custom", "vllm", "ollama", "lm_studio")

# "auto": model-name keywords, checked in this order after a "provider/" prefix
KEYWORDS = (
    ("openai", r"gpt|(^|[/:])o[134]([-_.:]|$)"),
    ("anthropic", r"claude"),
    ("deepseek", r"deepseek"),
    ("gemini", r"gemini"),
    ("zhipu", r"glm|zhipu"),
    ("dashscope", r"qwen"),
    ("moonshot", r"moonshot|kimi"),
    ("minimax", r"minimax"),
    ("mistral", r"mistral|codestral|devstral|magistral"),
    ("xai_grok", r"grok"),
)


class Provider:
    """The outcome: a provider `name` (None when auto found none) and `problem`, None when it can answer."""

    def __init__(self, name, model, problem=None):
        self.name = name
        self.model = model
        self.problem = problem


def normalize_name(name):
    return str(name).strip().lower().replace("-", "_")


def _entry(providers, name):
    entry = providers.get(name)
    return entry if isinstance(entry, dict) else {}


def detect(model, providers):
    """provider "auto": a known "provider/" prefix, else a model keyword, else the first configured provider."""
    m = model.strip().lower()
    if "/" in m:
        prefix = normalize_name(m.split("/", 1)[0])
        if prefix in PROVIDERS:
            return prefix
    for name, pattern in KEYWORDS:
        if re.search(pattern, m):
            return name
    for name in providers:
        if name not in PROVIDERS:
            continue  # a misspelt provider is kept and never used
        entry = _entry(providers, name)
        if entry.get("api_key") or (name in NEEDS_API_BASE and entry.get("api_base")):
            return name
    return None


def resolve(config):
    """Raises ConfigError for what stops both versions (unknown provider, missing apiBase); returns a Provider
    whose `problem` (no key / no provider) stops 0.3.0 and leaves main running but answering nothing."""
    defaults = config.defaults()
    model = config.model()
    providers = config.section("providers")
    wanted = normalize_name(config.text(defaults, "provider", "auto", "agents.defaults.provider") or "auto")
    name = detect(model, providers) if wanted == "auto" else wanted
    if name is None:
        return Provider(None, model, f"No provider is configured for model '{model}'.")
    if name not in PROVIDERS:
        raise ConfigError(f"Error: Provider '{name}' requires api_base in config.")
    entry = _entry(providers, name)
    if name in NEEDS_API_BASE:
        if not entry.get("api_base"):
            raise ConfigError(f"Error: Provider '{name}' requires api_base in config.")
        return Provider(name, model)
    if not entry.get("api_key"):
        return Provider(name, model, f"No API key configured for provider '{name}'.")
    return Provider(name, model)
