"""Config loading as the real nanobot does it (see README.md, "Config").

- the file is JSON, camelCase on disk; snake_case spellings are read too (camelCase wins when both are given);
- `${NAME}` in any string is replaced from the environment (memory only, never written back); an unset NAME
  stops start-up; a set but empty NAME resolves to "";
- `NANOBOT_X__Y` environment variables fill keys absent from the file and lose to keys present in it;
- unknown keys are ignored (a misspelt channel or provider name is kept and never used).
"""
import json
import os
import re

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DEFAULT_CONFIG = "~/.nanobot/config.json"
DEFAULT_WORKSPACE = "~/.nanobot/workspace"
DEFAULT_MODEL = "anthropic/claude-opus-4-5"
ENV_PREFIX = "NANOBOT_"
# free-form dictionaries whose keys are data (header names, variables, user-chosen names): left as written
OPAQUE = {"extra_headers", "extra_body", "extra_query", "env", "headers", "mcp_servers", "model_presets"}


class ConfigError(Exception):
    """A start-up failure: the message is the whole line printed on stderr; the exit code is 1."""

    def __init__(self, message, code=1):
        super().__init__(message)
        self.message = message
        self.code = code


def snake(key):
    """apiKey -> api_key, intervalS -> interval_s, lmStudio -> lm_studio; snake_case stays as it is."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def resolve_placeholders(value):
    if isinstance(value, dict):
        return {k: resolve_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(v) for v in value]
    if isinstance(value, str):
        def substitute(match):
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"Error: Environment variable '{name}' referenced in config is not set")
            return os.environ[name]
        return PLACEHOLDER.sub(substitute, value)
    return value


def normalize(value):
    """Keys to snake_case, recursively (not inside the free-form dictionaries)."""
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        key = snake(k) if isinstance(k, str) else k
        if key in out and k == key:
            continue  # the camelCase spelling was already read: it wins
        out[key] = v if key in OPAQUE else normalize(v)
    return out


def _fill_absent(target, path, value):
    node = target
    for part in path[:-1]:
        if part not in node:
            node[part] = {}
        node = node[part]
        if not isinstance(node, dict):
            return  # the file has a non-object here: the file wins
    leaf = path[-1]
    if leaf not in node:
        node[leaf] = value
    elif isinstance(node[leaf], dict) and isinstance(value, dict):
        for k, v in value.items():
            _fill_absent(node[leaf], [k], v)


def apply_env_overrides(data, environ=None):
    """NANOBOT_AGENTS__DEFAULTS__MODEL=x fills agents.defaults.model when the file does not set it."""
    environ = os.environ if environ is None else environ
    for name in sorted(environ):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX):].split("__")]
        if not path or not all(path):
            continue
        raw = environ[name]
        value = raw
        if raw.strip()[:1] in ("{", "["):
            try:
                value = normalize(json.loads(raw))
            except ValueError:
                pass
        _fill_absent(data, path, value)
    return data


def config_path(given):
    """(absolute path, given explicitly?) for --config."""
    if given:
        return os.path.abspath(os.path.expanduser(given)), True
    return os.path.abspath(os.path.expanduser(DEFAULT_CONFIG)), False


def read_raw(path, explicit, shown=None):
    shown = shown or path
    if not os.path.exists(path):
        if explicit:
            raise ConfigError(f"Error: Config file not found: {shown}")
        return {}  # no --config and no ~/.nanobot/config.json: defaults, like the real one
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"Error: Cannot read config file {shown}: {e}")
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise ConfigError(f"Error: Invalid JSON in config file {shown}: {e}")
    if not isinstance(raw, dict):
        raise ConfigError(f"Error: Invalid config file {shown}: the top level must be a JSON object")
    return raw


class Config:
    """The resolved config (snake_case keys) with typed accessors that fail like a validation error."""

    def __init__(self, data, path):
        self.data = data
        self.path = path
        self.dir = os.path.dirname(path)

    @classmethod
    def load(cls, given_path):
        path, explicit = config_path(given_path)
        shown = os.path.expanduser(given_path) if given_path else path
        raw = read_raw(path, explicit, shown)
        data = apply_env_overrides(normalize(resolve_placeholders(raw)))
        return cls(data, path)

    def section(self, *path):
        node = self.data
        for i, part in enumerate(path):
            node = node.get(part, {}) if isinstance(node, dict) else {}
            if node is None:
                node = {}
            if not isinstance(node, dict):
                raise ConfigError(f"Error: Invalid config: {'.'.join(path[:i + 1])} must be an object")
        return node

    # typed values ------------------------------------------------------------------------------
    @staticmethod
    def text(section, key, default, where):
        v = section.get(key, default)
        if v is None:
            return default
        if isinstance(v, (dict, list, bool)):
            raise ConfigError(f"Error: Invalid config: {where} must be a string")
        return str(v)

    @staticmethod
    def number(section, key, default, where, integer=False, minimum=None, maximum=None):
        v = section.get(key, default)
        try:
            if isinstance(v, bool):
                raise ValueError
            n = int(str(v).strip()) if integer else float(str(v).strip())
        except (TypeError, ValueError):
            kind = "an integer" if integer else "a number"
            raise ConfigError(f"Error: Invalid config: {where} must be {kind}, not {v!r}")
        if (minimum is not None and n < minimum) or (maximum is not None and n > maximum):
            raise ConfigError(f"Error: Invalid config: {where} out of range: {n}")
        return n

    @staticmethod
    def flag(section, key, default, where):
        v = section.get(key, default)
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)) and v in (0, 1):
            return bool(v)
        s = str(v).strip().lower()
        if s in ("true", "1", "yes", "on", "y", "t"):
            return True
        if s in ("false", "0", "no", "off", "n", "f", ""):
            return False
        raise ConfigError(f"Error: Invalid config: {where} must be true or false, not {v!r}")

    # what the commands need --------------------------------------------------------------------
    def defaults(self):
        return self.section("agents", "defaults")

    def workspace(self, override=None):
        ws = override or self.text(self.defaults(), "workspace", DEFAULT_WORKSPACE, "agents.defaults.workspace")
        return os.path.abspath(os.path.expanduser(ws or DEFAULT_WORKSPACE))

    def model(self):
        return self.text(self.defaults(), "model", DEFAULT_MODEL, "agents.defaults.model") or DEFAULT_MODEL

    def timezone_name(self):
        return self.text(self.defaults(), "timezone", "UTC", "agents.defaults.timezone") or "UTC"

    def gateway_host(self):
        return self.text(self.section("gateway"), "host", "127.0.0.1", "gateway.host") or "127.0.0.1"

    def gateway_port(self, override=None):
        if override is not None:
            return override
        return self.number(self.section("gateway"), "port", 18790, "gateway.port", integer=True, minimum=0, maximum=65535)

    def heartbeat(self):
        hb = self.section("gateway", "heartbeat")
        enabled = self.flag(hb, "enabled", True, "gateway.heartbeat.enabled")
        interval = self.number(hb, "interval_s", 1800, "gateway.heartbeat.intervalS", minimum=0.001)
        return enabled, interval


def check_timezone(name):
    """agents.defaults.timezone through zoneinfo, as the real one does: with no tz database at all (no system
    zoneinfo on TZPATH/PYTHONTZPATH and no importable `tzdata` package) even "UTC" is refused."""
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"Error: unknown timezone '{name}'")
