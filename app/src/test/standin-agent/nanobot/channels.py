"""Channels of the real gateway (see README.md, "Channels").

Since 0.3.0 the channel libraries are in no pip extra: at start the gateway checks, for every enabled channel,
that its requirements are installed (distribution metadata: name, version specifier, requested extras declared
by the distribution) and importable; if not, it runs `<its own interpreter> -m pip install <requirements>`
(on agentctl's read-only, offline runtime that fails), logs
`Could not prepare dependencies for enabled channel 'NAME'` and carries on without the channel.
The stand-in talks to no network: a channel whose libraries are there is just "started".
"""
import importlib
import importlib.metadata
import os
import platform
import re
import subprocess
import sys

from nanobot import log

WHERE = "nanobot.channels.manager"

# name -> pip requirements, exactly as the reference lists them
REQUIREMENTS = {
    "telegram": ["python-telegram-bot[socks,webhooks]>=22.6,<23", "socksio", "python-socks[asyncio]"],
    "slack": ["aiohttp", "slack-sdk>=3.39", "slackify-markdown"],
    "discord": ["discord.py>=2.5.2"],
    "whatsapp": ["neonize>=0.3.18.post0,<0.4", "segno"],
    "matrix": ["matrix-nio[e2e]", "aiohttp", "mistune", "nh3"],
    "feishu": ["lark-oapi"],
    "dingtalk": ["dingtalk-stream"],
    "qq": ["aiohttp", "qq-botpy"],
    "msteams": ["PyJWT", "cryptography"],
    "weixin": ["qrcode[pil]", "pycryptodome"],
    "mochat": ["python-socketio", "msgpack"],
    "napcat": ["aiohttp"],
    "wecom": ["wecom-aibot-sdk-python"],
    "websocket": [],
    "email": [],
    "mattermost": [],
    "signal": [],
}
# the order channels are constructed and listed in (websocket, the WebUI, first)
ORDER = ("websocket", "telegram", "slack", "discord", "whatsapp", "matrix", "feishu", "dingtalk", "qq",
         "msteams", "weixin", "mochat", "napcat", "wecom", "email", "mattermost", "signal")

# pip distribution (canonical name) -> import name
IMPORT_NAMES = {
    "python-telegram-bot": "telegram",
    "socksio": "socksio",
    "python-socks": "python_socks",
    "aiohttp": "aiohttp",
    "slack-sdk": "slack_sdk",
    "slackify-markdown": "slackify_markdown",
    "discord-py": "discord",
    "neonize": "neonize",
    "segno": "segno",
    "matrix-nio": "nio",
    "mistune": "mistune",
    "nh3": "nh3",
    "lark-oapi": "lark_oapi",
    "dingtalk-stream": "dingtalk_stream",
    "qq-botpy": "botpy",
    "pyjwt": "jwt",
    "cryptography": "cryptography",
    "qrcode": "qrcode",
    "pycryptodome": "Crypto",
    "python-socketio": "socketio",
    "msgpack": "msgpack",
    "wecom-aibot-sdk-python": "wecom_aibot_sdk",
}

# secret fields (snake_case keys; camelCase in messages): ("all", fields) needs every one, ("any", fields) one
SECRETS = {
    "telegram": ("all", ("token",)),
    "discord": ("all", ("token",)),
    "slack": ("all", ("bot_token", "app_token")),
    "matrix": ("any", ("password", "access_token")),
    "feishu": ("all", ("app_id", "app_secret")),
    "email": ("all", ("imap_password", "smtp_password")),
}

INSTALL_TIMEOUT_DEFAULT = 60.0  # seconds; the real gateway waits up to 300 s
OUTPUT_LIMIT = 4000


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def camel(key):
    head, *rest = key.split("_")
    return head + "".join(p.title() for p in rest)


# ---- versions (a PEP 440 subset: release, pre, post, dev, local ignored) -------------------------------
_VERSION = re.compile(
    r"^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)"
    r"(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d*))?"
    r"(?:-(\d+)|[-_.]?(?:post|rev|r)[-_.]?(\d*))?"
    r"(?:[-_.]?dev[-_.]?(\d*))?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$", re.I)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
INF = float("inf")


def _release(text):
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def version_key(v):
    m = _VERSION.match(v)
    if not m:
        return None
    epoch, rel, pre_l, pre_n, post_a, post_b, dev = m.groups()
    post = post_a if post_a is not None else post_b
    dev_n = int(dev) if dev not in (None, "") else (0 if dev is not None else None)
    if pre_l is not None:
        pre = (0, _PRE_RANK[pre_l.lower()], int(pre_n or 0))
    elif dev_n is not None and post is None:
        pre = (-1,)
    else:
        pre = (1,)
    post_k = (int(post or 0),) if post is not None else (-1,)
    dev_k = (dev_n,) if dev_n is not None else (INF,)
    return (int(epoch or 0), _release(rel), pre, post_k, dev_k)


def _spec_ok(op, want, have):
    hk = version_key(have)
    if hk is None:
        return False
    if op in ("==", "!=") and want.endswith(".*"):
        prefix = _release(want[:-2])
        rel = hk[1] + (0,) * max(0, len(prefix) - len(hk[1]))
        same = rel[:len(prefix)] == prefix
        return same if op == "==" else not same
    if op == "===":
        return have.strip() == want.strip()
    wk = version_key(want)
    if wk is None:
        return False
    if op == "~=":
        prefix = _release(want)[:-1] or _release(want)
        rel = hk[1] + (0,) * max(0, len(prefix) - len(hk[1]))
        return hk >= wk and rel[:len(prefix)] == prefix
    return {"==": hk == wk, "!=": hk != wk, "<": hk < wk, "<=": hk <= wk, ">": hk > wk, ">=": hk >= wk}[op]


# ---- requirements and markers (a PEP 508 subset) -------------------------------------------------------
_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(?:\(?([^;()]*)\)?)?\s*(?:;(.*))?$")
_SPEC = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$")


class Requirement:
    def __init__(self, raw):
        m = _REQ.match(raw)
        if not m:
            raise ValueError(f"cannot parse requirement {raw!r}")
        self.raw = raw.strip()
        self.name = m.group(1)
        self.extras = [e.strip() for e in (m.group(2) or "").split(",") if e.strip()]
        self.specs = []
        for part in (m.group(3) or "").split(","):
            if part.strip():
                s = _SPEC.match(part)
                if not s:
                    raise ValueError(f"cannot parse version specifier {part!r} in {raw!r}")
                self.specs.append((s.group(1), s.group(2)))
        self.marker = (m.group(4) or "").strip() or None

    def version_ok(self, version):
        return all(_spec_ok(op, want, version) for op, want in self.specs)


_MARKER_TOKEN = re.compile(r"\s*(\(|\)|'[^']*'|\"[^\"]*\"|===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b|and\b|or\b|[A-Za-z_.]+)")


def _marker_env(extra):
    return {
        "python_version": "%d.%d" % sys.version_info[:2],
        "python_full_version": platform.python_version(),
        "os_name": os.name,
        "sys_platform": sys.platform,
        "platform_system": platform.system(),
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "implementation_name": sys.implementation.name,
        "platform_python_implementation": platform.python_implementation(),
        "extra": extra,
    }


def marker_true(marker, extra):
    """Evaluates a PEP 508 environment marker (and/or/parentheses, comparisons, in); unknown -> True."""
    tokens = []
    pos = 0
    while pos < len(marker):
        m = _MARKER_TOKEN.match(marker, pos)
        if not m:
            return True
        tokens.append(m.group(1))
        pos = m.end()
        if not marker[pos:].strip():
            break
    env = _marker_env(extra)

    def value(tok):
        if tok[:1] in ("'", '"'):
            return tok[1:-1], True
        return env.get(tok, ""), False

    def compare(left, op, right, lname, rname):
        if "extra" in (lname, rname):
            left, right = canonical(left), canonical(right)
        if op in ("in", "not in"):
            return (left in right) == (op == "in")
        if version_key(left) is not None and version_key(right) is not None and op not in ("===",):
            return _spec_ok(op, right, left)
        return {"==": left == right, "!=": left != right, "===": left == right}.get(op, True)

    def atom(i):
        if tokens[i] == "(":
            v, i = expr(i + 1)
            return v, i + 1
        lt, op, rt = tokens[i], tokens[i + 1], tokens[i + 2]
        op = re.sub(r"\s+", " ", op)
        (lv, lq), (rv, rq) = value(lt), value(rt)
        return compare(lv, op, rv, None if lq else lt, None if rq else rt), i + 3

    def conj(i):
        v, i = atom(i)
        while i < len(tokens) and tokens[i] == "and":
            w, i = atom(i + 1)
            v = v and w
        return v, i

    def expr(i):
        v, i = conj(i)
        while i < len(tokens) and tokens[i] == "or":
            w, i = conj(i + 1)
            v = v or w
        return v, i

    try:
        return expr(0)[0]
    except (IndexError, KeyError):
        return True


# ---- installed? (the real gateway's extra_installed, plus an import check) -----------------------------
def installed_distributions():
    dists = {}
    for d in importlib.metadata.distributions():
        try:
            name = d.metadata["Name"]
        except Exception:
            name = None
        if name and canonical(name) not in dists:
            dists[canonical(name)] = d
    return dists


def _requirement_installed(req, extra, seen, dists, missing):
    if req.marker and not marker_true(req.marker, extra):
        return True
    key = (canonical(req.name), ",".join(sorted(canonical(e) for e in req.extras)))
    if key in seen:
        return True
    seen.add(key)
    dist = dists.get(canonical(req.name))
    if dist is None:
        missing.append(f"{req.raw} (not installed)")
        return False
    if req.specs and not req.version_ok(dist.version):
        missing.append(f"{req.raw} (found {dist.version})")
        return False
    for requested in req.extras:
        provided = {canonical(x) for x in (dist.metadata.get_all("Provides-Extra") or [])}
        if provided and canonical(requested) not in provided:
            missing.append(f"{req.raw} ({req.name} {dist.version} has no extra '{requested}')")
            return False
        matched = False
        for raw in dist.requires or []:
            try:
                sub = Requirement(raw)
            except ValueError:
                continue
            if sub.marker and not marker_true(sub.marker, requested):
                continue
            matched = True
            if not _requirement_installed(sub, requested, seen, dists, missing):
                return False
        if not (matched or provided):
            missing.append(f"{req.raw} ({req.name} {dist.version} declares no extra '{requested}')")
            return False
    import_name = IMPORT_NAMES.get(canonical(req.name))
    if import_name:
        try:
            importlib.import_module(import_name)
        except Exception as e:  # a broken or half-installed library
            missing.append(f"{req.raw} (import {import_name} failed: {e.__class__.__name__}: {e})")
            return False
    return True


def missing_requirements(requirements):
    """The requirements of one channel that are not ready, each with the reason (empty: all ready)."""
    importlib.invalidate_caches()
    dists = installed_distributions()
    missing = []
    for raw in requirements:
        _requirement_installed(Requirement(raw), "", set(), dists, missing)
    return missing


def _run(argv, timeout):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        out = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        return subprocess.CompletedProcess(argv, 124, stdout="", stderr=(out.rstrip() + f"\nTimed out after {timeout:g}s").strip())
    except OSError as e:
        return subprocess.CompletedProcess(argv, 127, stdout="", stderr=str(e))


def _log_completed(label, proc):
    log.info(WHERE, f"{label} exited with code {proc.returncode}")
    output = (proc.stderr or proc.stdout or "").strip()
    if output:
        log.info(WHERE, f"{label} output:\n{output[-OUTPUT_LIMIT:]}")


def install(name, requirements):
    """`sys.executable -m pip install <requirements>` into the gateway's own interpreter, as the real one does
    (with `-m ensurepip --upgrade` and a retry when pip itself is missing). True when pip says it worked."""
    try:
        timeout = float(os.environ.get("STANDIN_PIP_TIMEOUT", INSTALL_TIMEOUT_DEFAULT))
    except ValueError:
        timeout = INSTALL_TIMEOUT_DEFAULT
    pip_cmd = [sys.executable, "-m", "pip", "install", *requirements]
    log.info(WHERE, f"Installing optional feature '{name}': {subprocess.list2cmdline(pip_cmd)}")
    proc = _run(pip_cmd, timeout)
    _log_completed(f"Optional feature '{name}' install", proc)
    if proc.returncode == 0:
        return True
    if "no module named pip" in f"{proc.stdout}\n{proc.stderr}".lower():
        ensure_cmd = [sys.executable, "-m", "ensurepip", "--upgrade"]
        log.info(WHERE, f"pip missing while installing '{name}'; running {subprocess.list2cmdline(ensure_cmd)}")
        ensured = _run(ensure_cmd, timeout)
        _log_completed(f"Optional feature '{name}' ensurepip", ensured)
        if ensured.returncode == 0:
            log.info(WHERE, f"Retrying optional feature '{name}': {subprocess.list2cmdline(pip_cmd)}")
            proc = _run(pip_cmd, timeout)
            _log_completed(f"Optional feature '{name}' install retry", proc)
            return proc.returncode == 0
    return False


def enabled_in_config(config):
    """Names of the known channels with `enabled: true` (websocket is always enabled), in ORDER."""
    section = config.section("channels")
    names = []
    for name in ORDER:
        if name == "websocket":
            names.append(name)
            continue
        entry = section.get(name)
        if isinstance(entry, dict) and config.flag(entry, "enabled", False, f"channels.{camel(name)}.enabled"):
            names.append(name)
    return names


def prepare(names):
    """Dependency preparation for the enabled channels (sorted, like the real one): returns the ready ones."""
    failed = set()
    for name in sorted(names):
        requirements = REQUIREMENTS.get(name) or []
        if not requirements:
            continue
        missing = missing_requirements(requirements)
        if not missing:
            log.debug(WHERE, f"Channel '{name}' dependencies are installed")
            continue
        log.info(WHERE, f"Channel '{name}' needs: {'; '.join(missing)}")
        if install(name, requirements) and not missing_requirements(requirements):
            log.info(WHERE, f"Channel '{name}' dependencies installed")
            continue
        failed.add(name)
        log.error(WHERE, f"Could not prepare dependencies for enabled channel '{name}'")
    return [n for n in names if n not in failed]


def empty_secrets(config, name):
    """The secret fields (camelCase) that keep an enabled channel from starting, being empty after ${VAR}
    resolution (or absent): every empty one for "all" channels; for matrix, both when neither is set."""
    rule = SECRETS.get(name)
    if not rule:
        return []
    kind, fields = rule
    entry = config.section("channels", name)
    empty = [camel(f) for f in fields if not str(entry.get(f) or "").strip()]
    if kind == "any" and len(empty) < len(fields):
        return []
    return empty
