"""Tests of the nanobot stand-in against the contract in README.md (standard library only, no Docker).

    cd app/src/test/standin-agent && python3 -m unittest -v

The stand-in runs as a subprocess, `<venv>/bin/python -m nanobot ...`, from a copy of this folder on PYTHONPATH;
the second version is a copy with the `__version__` line rewritten to 0.3.5+standin (as agentctl's tests do).
Hermetic: a temporary venv (python3 -m venv), temporary config dirs, free ports on 127.0.0.1 only, and
  - tz database: PYTHONTZPATH points at a folder holding only a generated UTC file (TZif), and a `tzdata`
    package whose import fails comes first on PYTHONPATH, so zoneinfo sees exactly what the test gives it;
    "no tz database" is PYTHONTZPATH at an empty folder (plus that blocked tzdata): even "UTC" is unknown;
  - pip: PIP_CONFIG_FILE=/dev/null and PIP_NO_INDEX=1, so the gateway's `pip install` of a channel's
    libraries fails at once, as on agentctl's offline, read-only runtime, and never reaches any index;
  - channel libraries: the stand-in projects in ../channel-wheels, "installed" into a folder on PYTHONPATH
    (package + .dist-info/METADATA, what a wheel install leaves); test_channel_wheels_* builds the real wheels
    when a Python with setuptools and wheel is at hand (STANDIN_TEST_BUILD_PYTHON, else this one), else skips.
"""
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WHEELS_SRC = os.path.join(os.path.dirname(HERE), "channel-wheels")
OK_BYTES = (b'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n'
            b'Connection: close\r\n\r\n{"status": "ok"}')
NOT_FOUND_BYTES = (b'HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n'
                   b'Connection: close\r\n\r\nNot Found')
READY = "\u2713 Health endpoint: http://"

T = None  # the shared fixture (set up once)
TELEGRAM = ["python-telegram-bot", "socksio", "python-socks"]
SITES = {  # key: (../channel-wheels projects, {project: fake_install options})
    "telegram": (TELEGRAM, {}),
    "slack-discord": (["aiohttp", "slack-sdk", "slackify-markdown", "discord.py"], {}),
    "ptb-old": (TELEGRAM, {"python-telegram-bot": {"version": "21.10"}}),
    "ptb-no-extras": (TELEGRAM, {"python-telegram-bot": {"extras": False}}),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def utc_tzif():
    """A minimal TZif (version 1) file for UTC: no transitions, one type, abbreviation "UTC"."""
    header = b"TZif" + b"\0" + b"\0" * 15 + struct.pack(">6l", 0, 0, 0, 0, 1, 4)
    return header + struct.pack(">lBB", 0, 0, 0) + b"UTC\0"


def copy_source(dst, version=None):
    shutil.copytree(HERE, dst, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "test_*.py"))
    if version:
        init = os.path.join(dst, "nanobot", "__init__.py")
        with open(init, encoding="utf-8") as f:
            text = f.read()
        new, n = re.subn(r'^__version__ = "[^"]*"', f'__version__ = "{version}"', text, flags=re.M)
        assert n == 1, "no __version__ line"
        with open(init, "w", encoding="utf-8") as f:
            f.write(new)
    return dst


def fake_install(project, site, version=None, extras=True):
    """Installs a ../channel-wheels project into `site` the way its wheel would (package + dist-info)."""
    with open(os.path.join(WHEELS_SRC, project, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    name = re.search(r'^name = "([^"]+)"', text, re.M).group(1)
    version = version or re.search(r'^version = "([^"]+)"', text, re.M).group(1)
    package = re.search(r'^packages = \["([^"]+)"\]', text, re.M).group(1)
    provided = []
    section = re.search(r'^\[project\.optional-dependencies\]\n(.*?)(?=^\[|\Z)', text, re.M | re.S)
    if section and extras:
        provided = re.findall(r'^([A-Za-z0-9_-]+) = \[\]', section.group(1), re.M)
    os.makedirs(site, exist_ok=True)
    shutil.copytree(os.path.join(WHEELS_SRC, project, package), os.path.join(site, package))
    info = os.path.join(site, f"{re.sub(r'[-_]+', '_', name)}-{version}.dist-info")
    os.makedirs(info)
    with open(os.path.join(info, "METADATA"), "w", encoding="utf-8") as f:
        f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        for e in provided:
            f.write(f"Provides-Extra: {e}\n")
    open(os.path.join(info, "RECORD"), "w").close()
    return site


class Fixture:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="standin-test-")
        self.venv = os.path.join(self.root, "venv")
        subprocess.run([sys.executable, "-m", "venv", self.venv], check=True)
        self.python = os.path.join(self.venv, "bin", "python")
        self.src030 = copy_source(os.path.join(self.root, "src-0.3.0"))
        self.src035 = copy_source(os.path.join(self.root, "src-0.3.5"), "0.3.5+standin")
        self.tz = os.path.join(self.root, "tz")
        os.makedirs(self.tz)
        with open(os.path.join(self.tz, "UTC"), "wb") as f:
            f.write(utc_tzif())
        self.no_tz = os.path.join(self.root, "no-tz")
        os.makedirs(self.no_tz)
        self.block = os.path.join(self.root, "block-tzdata")
        os.makedirs(os.path.join(self.block, "tzdata"))
        with open(os.path.join(self.block, "tzdata", "__init__.py"), "w") as f:
            f.write('raise ImportError("tzdata is blocked by test_standin.py")\n')
        self.home = os.path.join(self.root, "home")
        os.makedirs(self.home)
        self.libs = {}
        self.cases = 0

    def site(self, key):
        """A folder with the channel-library stand-ins of SITES[key] installed (made once)."""
        if key not in self.libs:
            site = os.path.join(self.root, "site-" + key)
            projects, variants = SITES[key]
            for p in projects:
                fake_install(p, site, **variants.get(p, {}))
            self.libs[key] = site
        return self.libs[key]

    def env(self, src, extra=None, paths=(), tz=True):
        env = {k: v for k, v in os.environ.items()
               if not re.match(r"(NANOBOT_|STANDIN_|PYTHON|PIP_|OPENAI_API_KEY$|VIRTUAL_ENV$)", k, re.I)}
        env.update({
            "HOME": self.home,
            "PYTHONPATH": os.pathsep.join([self.block, *paths, src]),
            "PYTHONTZPATH": self.tz if tz else self.no_tz,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_CACHE_DIR": "1",
            "STANDIN_WEBUI_PORT": str(free_port()),
            "STANDIN_PIP_TIMEOUT": "30",
            "OPENAI_API_KEY": "sk-test",
        })
        env.update(extra or {})
        return {k: v for k, v in env.items() if v is not None}

    def case(self, name):
        self.cases += 1
        d = os.path.join(self.root, f"{self.cases:02d}-{name}")
        os.makedirs(os.path.join(d, "config"))
        os.makedirs(os.path.join(d, "workspace"))
        return d


def base_config(case, port=None, **over):
    cfg = {
        "agents": {"defaults": {"workspace": os.path.join(case, "workspace"), "model": "gpt-4o-mini",
                                "provider": "openai", "maxTokens": 8192, "temperature": 0.1,
                                "maxToolIterations": 20, "timezone": "UTC"}},
        "providers": {"openai": {"apiKey": "${OPENAI_API_KEY}"}},
        "channels": {},
        "gateway": {"host": "127.0.0.1", "port": port or free_port(),
                    "heartbeat": {"enabled": True, "intervalS": 1800}},
        "tools": {},
    }
    for k, v in over.items():
        cfg[k] = v
    return cfg


def write_config(case, cfg):
    path = os.path.join(case, "config", "config.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2) if isinstance(cfg, dict) else f.write(cfg)
    return path


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def request(port, data, timeout=5.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        if data:
            s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


class Run:
    """One `nanobot` command run to completion."""

    def __init__(self, src, args, env=None, paths=(), tz=True, timeout=60):
        p = subprocess.run([T.python, "-m", "nanobot", *args], capture_output=True, text=True, timeout=timeout,
                           env=T.env(src, env, paths, tz), stdin=subprocess.DEVNULL, cwd=T.root)
        self.code, self.out, self.err = p.returncode, p.stdout, p.stderr


class Gateway:
    """A running `nanobot gateway`, its log (stdout and stderr together) in a file."""

    def __init__(self, case, src=None, cfg=None, env=None, paths=(), args=(), wait=True):
        self.case = case
        self.cfg = cfg or base_config(case)
        self.config_path = write_config(case, self.cfg)
        self.port = self.cfg["gateway"]["port"]
        self.workspace = self.cfg["agents"]["defaults"]["workspace"]
        self.env = T.env(src or T.src030, env, paths)
        self.webui_port = int(self.env["STANDIN_WEBUI_PORT"])
        self.log_path = os.path.join(case, "gateway.log")
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen([T.python, "-m", "nanobot", "gateway", "-c", self.config_path, *args],
                                     stdout=self.log_file, stderr=subprocess.STDOUT, env=self.env,
                                     stdin=subprocess.DEVNULL, cwd=T.root)
        if wait:
            self.wait_for(READY)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_for(self, text, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.log():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"gateway exited with {self.proc.returncode} before {text!r}:\n{self.log()}")
            time.sleep(0.02)
        raise AssertionError(f"no {text!r} within {timeout}s:\n{self.log()}")

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.log_file.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log_file.close()


def setUpModule():
    global T
    T = Fixture()


def tearDownModule():
    shutil.rmtree(T.root, ignore_errors=True)


class StandinTest(unittest.TestCase):
    def setUp(self):
        self.gateways = []

    def tearDown(self):
        for g in self.gateways:
            g.kill()

    def gateway(self, name, **kw):
        case = kw.pop("case", None) or T.case(name)
        g = Gateway(case, **kw)
        self.gateways.append(g)
        return g

    def agent(self, src, case, message="hello", cfg=None, env=None, extra=(), tz=True):
        path = write_config(case, cfg or base_config(case))
        return Run(src, ["agent", "-m", message, "-c", path, *extra], env=env, tz=tz)

    def assertOneLine(self, run, code, line):
        self.assertEqual(run.code, code, run.err + run.out)
        self.assertEqual(run.err.strip(), line)


class CommandLine(StandinTest):
    def test_version_of_both_versions(self):
        r = Run(T.src030, ["--version"])
        self.assertEqual((r.code, r.out.strip()), (0, "nanobot 0.3.0+standin"))
        r = Run(T.src035, ["--version"])
        self.assertEqual((r.code, r.out.strip()), (0, "nanobot 0.3.5+standin"))

    def test_unknown_command_and_sessions_on_030(self):
        r = Run(T.src030, ["sessions", "restore-workspace"])
        self.assertOneLine(r, 2, "Error: No such command 'sessions'.")
        r = Run(T.src035, ["sessions", "restore-workspace", "-c", os.path.join(T.root, "nope.json")])
        self.assertOneLine(r, 1, f"Error: Config file not found: {os.path.join(T.root, 'nope.json')}")

    def test_exit_at_start_hook(self):
        case = T.case("exit-at-start")
        r = Run(T.src030, ["gateway", "-c", write_config(case, base_config(case))], env={"STANDIN_EXIT_AT_START": "3"})
        self.assertEqual(r.code, 3)
        self.assertIn("STANDIN_EXIT_AT_START=3", r.err)


class ConfigErrors(StandinTest):
    def test_missing_config(self):
        for src in (T.src030, T.src035):
            path = os.path.join(T.root, "missing", "config.json")
            self.assertOneLine(Run(src, ["gateway", "-c", path]), 1, f"Error: Config file not found: {path}")
            self.assertOneLine(Run(src, ["agent", "-m", "x", "-c", path]), 1, f"Error: Config file not found: {path}")

    def test_invalid_json_is_one_line(self):
        case = T.case("invalid-json")
        path = write_config(case, '{"agents": {,}')
        r = Run(T.src030, ["gateway", "-c", path])
        self.assertEqual(r.code, 1)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
        self.assertTrue(r.err.startswith(f"Error: Invalid JSON in config file {path}: "), r.err)

    def test_unset_variable(self):
        case = T.case("unset-var")
        cfg = base_config(case)
        cfg["channels"] = {"telegram": {"enabled": True, "token": "${TELEGRAM_BOT_TOKEN}"}}
        path = write_config(case, cfg)
        for src in (T.src030, T.src035):
            r = Run(src, ["gateway", "-c", path])
            self.assertOneLine(r, 1, "Error: Environment variable 'TELEGRAM_BOT_TOKEN' referenced in config is not set")
        r = Run(T.src030, ["gateway", "-c", path], env={"OPENAI_API_KEY": None, "TELEGRAM_BOT_TOKEN": "t"})
        self.assertOneLine(r, 1, "Error: Environment variable 'OPENAI_API_KEY' referenced in config is not set")

    def test_only_plain_placeholders(self):
        # ${VAR:-default} is no placeholder: kept as written, so the key is not empty
        case = T.case("no-defaults")
        cfg = base_config(case, providers={"openai": {"apiKey": "${NOPE:-x}"}})
        r = self.agent(T.src030, case, cfg=cfg)
        self.assertEqual(r.code, 0, r.err)

    def test_empty_key_030_exits(self):
        case = T.case("empty-key-030")
        path = write_config(case, base_config(case))
        r = Run(T.src030, ["gateway", "-c", path], env={"OPENAI_API_KEY": ""})
        self.assertOneLine(r, 1, "Error: No API key configured for provider 'openai'.")
        r = Run(T.src030, ["agent", "-m", "hi", "-c", path], env={"OPENAI_API_KEY": ""})
        self.assertOneLine(r, 1, "Error: No API key configured for provider 'openai'.")
        # a provider with no entry at all: the same
        cfg = base_config(case, providers={})
        self.assertOneLine(self.agent(T.src030, case, cfg=cfg), 1, "Error: No API key configured for provider 'openai'.")

    def test_empty_key_main_starts_healthy_and_answers_nothing(self):
        case = T.case("empty-key-main")
        g = self.gateway("empty-key-main", case=case, src=T.src035, env={"OPENAI_API_KEY": ""})
        self.assertRegex(g.log(), r"\| (WARNING|ERROR) +\| .*Provider/model setup is incomplete: "
                                  r"No API key configured for provider 'openai'\.")
        self.assertEqual(request(g.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), OK_BYTES)
        r = Run(T.src035, ["agent", "-m", "hi", "-c", g.config_path], env={"OPENAI_API_KEY": ""})
        self.assertEqual(r.code, 1)
        self.assertIn("Provider/model setup is incomplete", r.err)
        self.assertEqual(r.out, "")
        self.assertEqual(g.stop(), 0)

    def test_unknown_provider(self):
        case = T.case("unknown-provider")
        cfg = base_config(case)
        cfg["agents"]["defaults"]["provider"] = "openia"
        for src in (T.src030, T.src035):
            path = write_config(case, cfg)
            self.assertOneLine(Run(src, ["gateway", "-c", path]), 1, "Error: Provider 'openia' requires api_base in config.")

    def test_local_providers_need_api_base_and_no_key(self):
        case = T.case("local-provider")
        for name in ("custom", "vllm", "ollama", "lm_studio"):
            cfg = base_config(case, providers={name: {"apiKey": ""}})
            cfg["agents"]["defaults"]["provider"] = name
            for src in (T.src030, T.src035):
                self.assertOneLine(self.agent(src, case, cfg=cfg), 1, f"Error: Provider '{name}' requires api_base in config.")
            cfg["providers"][name]["apiBase"] = "http://localhost:8000/v1"
            r = self.agent(T.src030, case, cfg=cfg)
            self.assertEqual((r.code, r.out.strip()), (0, "standin reply to: hello"), r.err)

    def test_provider_list_has_46_names(self):
        sys.path.insert(0, T.src030)
        try:
            from nanobot.providers import PROVIDERS
        finally:
            sys.path.remove(T.src030)
        self.assertEqual(len(PROVIDERS), 46)
        self.assertEqual(len(set(PROVIDERS)), 46)

    def test_auto_detection(self):
        case = T.case("auto")
        cases = {
            "gpt-4o-mini": "openai", "o3-mini": "openai", "claude-sonnet-4": "anthropic",
            "anthropic/claude-opus-4-5": "anthropic", "openrouter/anthropic/claude-3.5": "openrouter",
            "deepseek-chat": "deepseek", "gemini-2.5-pro": "gemini", "qwen-max": "dashscope",
        }
        for model, provider in cases.items():
            cfg = base_config(case, providers={})
            cfg["agents"]["defaults"].update(model=model, provider="auto")
            r = self.agent(T.src030, case, cfg=cfg)
            self.assertOneLine(r, 1, f"Error: No API key configured for provider '{provider}'.")
        # no keyword: the first provider with a key (a misspelt one is never used)
        cfg = base_config(case, providers={"opnai": {"apiKey": "k"}, "groq": {"apiKey": "k"}})
        cfg["agents"]["defaults"].update(model="llama-3.3-70b", provider="auto")
        self.assertEqual(self.agent(T.src030, case, cfg=cfg).code, 0)
        cfg["providers"] = {"opnai": {"apiKey": "k"}}
        self.assertOneLine(self.agent(T.src030, case, cfg=cfg), 1, "Error: No provider is configured for model 'llama-3.3-70b'.")

    def test_env_overrides_fill_absent_keys_only(self):
        case = T.case("env-overrides")
        cfg = base_config(case, providers={"deepseek": {"apiKey": "k"}})
        del cfg["agents"]["defaults"]["model"]
        cfg["agents"]["defaults"]["provider"] = "auto"
        # absent model: NANOBOT_AGENTS__DEFAULTS__MODEL fills it -> openai, which has no key
        r = self.agent(T.src030, case, cfg=cfg, env={"NANOBOT_AGENTS__DEFAULTS__MODEL": "gpt-4o"})
        self.assertOneLine(r, 1, "Error: No API key configured for provider 'openai'.")
        r = self.agent(T.src030, case, cfg=cfg, env={"NANOBOT_AGENTS__DEFAULTS__MODEL": "gpt-4o",
                                                      "NANOBOT_PROVIDERS__OPENAI__API_KEY": "k"})
        self.assertEqual(r.code, 0, r.err)
        # present in the file: the file wins
        cfg["agents"]["defaults"]["model"] = "deepseek-chat"
        r = self.agent(T.src030, case, cfg=cfg, env={"NANOBOT_AGENTS__DEFAULTS__MODEL": "gpt-4o"})
        self.assertEqual(r.code, 0, r.err)
        r = self.agent(T.src030, case, cfg=cfg, env={"NANOBOT_PROVIDERS__DEEPSEEK__API_KEY": "x"})
        self.assertEqual(r.code, 0, r.err)
        cfg["providers"]["deepseek"]["apiKey"] = ""
        r = self.agent(T.src030, case, cfg=cfg, env={"NANOBOT_PROVIDERS__DEEPSEEK__API_KEY": "x"})
        self.assertOneLine(r, 1, "Error: No API key configured for provider 'deepseek'.")

    def test_snake_case_and_unknown_keys(self):
        case = T.case("snake")
        cfg = {"agents": {"defaults": {"workspace": os.path.join(case, "workspace"), "model": "deepseek-chat",
                                       "max_tokens": 100}},
               "providers": {"deepseek": {"api_key": "k"}}, "somethingNew": {"x": 1}, "modelPresets": {},
               "gateway": {"port": free_port(), "heartbeat": {"interval_s": 60}}}
        r = self.agent(T.src030, case, cfg=cfg)
        self.assertEqual((r.code, r.out.strip()), (0, "standin reply to: hello"), r.err)

    def test_no_tz_database_refuses_even_utc(self):
        case = T.case("no-tz")
        path = write_config(case, base_config(case))
        for src in (T.src030, T.src035):
            self.assertOneLine(Run(src, ["gateway", "-c", path], tz=False), 1, "Error: unknown timezone 'UTC'")
            self.assertOneLine(Run(src, ["agent", "-m", "x", "-c", path], tz=False), 1, "Error: unknown timezone 'UTC'")
        cfg = base_config(case)
        cfg["agents"]["defaults"]["timezone"] = "Mars/Olympus_Mons"
        self.assertOneLine(self.agent(T.src030, case, cfg=cfg), 1, "Error: unknown timezone 'Mars/Olympus_Mons'")
        del cfg["agents"]["defaults"]["timezone"]  # default UTC: refused too without a database
        self.assertOneLine(self.agent(T.src030, case, cfg=cfg, tz=False), 1, "Error: unknown timezone 'UTC'")

    def test_tzdata_dependency_from_version(self):
        for src, want in ((T.src030, []), (T.src035, ["tzdata"])):
            spec = importlib.util.spec_from_file_location("standin_setup", os.path.join(src, "setup.py"))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            self.assertEqual(mod.requirements(mod.version()), want)


class Health(StandinTest):
    def test_exact_bytes(self):
        g = self.gateway("health")
        self.assertIn(f"\u2713 Health endpoint: http://127.0.0.1:{g.port}/health", g.log())
        self.assertEqual(request(g.port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"), OK_BYTES)
        self.assertEqual(request(g.port, b"GET /health HTTP/1.0\r\n\r\n"), OK_BYTES)
        for req in (b"GET / HTTP/1.1\r\n\r\n", b"GET /health/ HTTP/1.1\r\n\r\n", b"GET /health?x=1 HTTP/1.1\r\n\r\n",
                    b"POST /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n", b"HEAD /health HTTP/1.1\r\n\r\n",
                    b"garbage\r\n\r\n"):
            self.assertEqual(request(g.port, req), NOT_FOUND_BYTES, req)
        self.assertEqual(g.stop(), 0)

    def test_port_flag_wins(self):
        port = free_port()
        g = self.gateway("port-flag", args=("--port", str(port)))
        self.assertIn(f"on port {port}...", g.log())
        self.assertEqual(request(port, b"GET /health HTTP/1.1\r\n\r\n"), OK_BYTES)
        with self.assertRaises(OSError):
            request(g.port, b"GET /health HTTP/1.1\r\n\r\n", timeout=1)

    def test_no_health_hook(self):
        g = self.gateway("no-health", env={"STANDIN_NO_HEALTH": "1"})
        self.assertEqual(request(g.port, b"GET /health HTTP/1.1\r\n\r\n"), NOT_FOUND_BYTES)

    def test_read_timeout_and_64_connections(self):
        g = self.gateway("limits")
        t0 = time.monotonic()
        self.assertEqual(request(g.port, b""), b"")  # sends nothing: closed after the 2 s read timeout
        self.assertGreater(time.monotonic() - t0, 1.5)
        idle = [socket.create_connection(("127.0.0.1", g.port)) for _ in range(64)]
        try:
            time.sleep(0.3)
            self.assertEqual(request(g.port, b"GET /health HTTP/1.1\r\n\r\n"), b"")  # the 65th is refused
        finally:
            for s in idle:
                s.close()
        time.sleep(0.3)
        self.assertEqual(request(g.port, b"GET /health HTTP/1.1\r\n\r\n"), OK_BYTES)

    def test_health_starts_after_startup_lines(self):
        g = self.gateway("order")
        log = g.log()
        order = [log.index(s) for s in ("Starting nanobot gateway version 0.3.0+standin", "\u2713 Channels enabled: websocket",
                                        "Warning: No channels enabled", READY)]
        self.assertEqual(order, sorted(order), log)

    def test_bind_failure(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            case = T.case("bind-failure")
            cfg = base_config(case, port=s.getsockname()[1])
            r = Run(T.src030, ["gateway", "-c", write_config(case, cfg)])
        self.assertEqual(r.code, 1)
        self.assertIn("Error: Cannot listen on 127.0.0.1:", r.err)

    def test_webui_listener(self):
        g = self.gateway("webui")
        self.assertIn(f"WebSocket channel (WebUI) listening on 127.0.0.1:{g.webui_port}", g.log())
        page = request(g.webui_port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(page.startswith(b"HTTP/1.1 200 OK\r\n"), page)
        ws = request(g.webui_port, b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.assertIn(b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ws)

    def test_webui_default_port_is_8765(self):
        sys.path.insert(0, T.src030)
        try:
            from nanobot.gateway import WEBUI_DEFAULT
        finally:
            sys.path.remove(T.src030)
        self.assertEqual(WEBUI_DEFAULT, ("127.0.0.1", 8765))




class Channels(StandinTest):
    def channels_cfg(self, case, channels):
        cfg = base_config(case)
        cfg["channels"] = channels
        return cfg

    def test_channel_without_library_is_dropped_and_still_healthy(self):
        case = T.case("no-lib")
        g = self.gateway("no-lib", case=case, cfg=self.channels_cfg(case, {"telegram": {"enabled": True, "token": "t"}}))
        log = g.log()
        self.assertIn("Installing optional feature 'telegram': ", log)
        self.assertIn("-m pip install python-telegram-bot[socks,webhooks]>=22.6,<23 socksio python-socks[asyncio]", log)
        self.assertRegex(log, r"\| ERROR +\| .* - Could not prepare dependencies for enabled channel 'telegram'\n")
        self.assertIn("\u2713 Channels enabled: websocket\n", log)
        self.assertIn("Warning: No channels enabled\n", log)
        self.assertEqual(request(g.port, b"GET /health HTTP/1.1\r\n\r\n"), OK_BYTES)

    def test_channel_with_its_libraries(self):
        site = T.site("telegram")
        case = T.case("with-lib")
        g = self.gateway("with-lib", case=case, paths=[site],
                         cfg=self.channels_cfg(case, {"telegram": {"enabled": True, "token": "t"}}))
        log = g.log()
        self.assertIn("\u2713 Channels enabled: websocket, telegram\n", log)
        self.assertIn("Channel 'telegram' started", log)
        self.assertNotIn("Warning: No channels enabled", log)
        self.assertNotIn("Could not prepare", log)
        self.assertNotIn("Installing optional feature", log)

    def test_slack_discord_and_a_missing_one(self):
        site = T.site("slack-discord")
        case = T.case("several")
        cfg = self.channels_cfg(case, {
            "slack": {"enabled": True, "botToken": "xoxb", "appToken": "xapp"},
            "discord": {"enabled": True, "token": "d"},
            "matrix": {"enabled": True, "password": "p"},
            "email": {"enabled": False},
            "telegarm": {"enabled": True, "token": "misspelt: kept, never used"},
        })
        g = self.gateway("several", case=case, cfg=cfg, paths=[site])
        log = g.log()
        self.assertIn("\u2713 Channels enabled: websocket, slack, discord\n", log)
        self.assertIn("Could not prepare dependencies for enabled channel 'matrix'", log)
        self.assertNotIn("telegarm", log.replace(g.config_path, ""))

    def test_library_too_old_or_without_extras_is_not_enough(self):
        for key in ("ptb-old", "ptb-no-extras"):
            site = T.site(key)
            case = T.case(key)
            g = self.gateway(key, case=case, paths=[site],
                             cfg=self.channels_cfg(case, {"telegram": {"enabled": True, "token": "t"}}))
            self.assertIn("Could not prepare dependencies for enabled channel 'telegram'", g.log())
            self.assertIn("Warning: No channels enabled", g.log())

    def test_empty_secret_is_a_warning_and_no_start(self):
        site = T.site("telegram")
        case = T.case("empty-secret")
        cfg = self.channels_cfg(case, {"telegram": {"enabled": True, "token": "${TELEGRAM_BOT_TOKEN}"},
                                       "slack": {"enabled": True, "botToken": "b", "appToken": ""}})
        g = self.gateway("empty-secret", case=case, cfg=cfg, paths=[site, T.site("slack-discord")],
                         env={"TELEGRAM_BOT_TOKEN": ""})
        log = g.log()
        self.assertRegex(log, r"\| WARNING +\| .* - Channel 'telegram' not started: secret field 'token' is empty\n")
        self.assertRegex(log, r"Channel 'slack' not started: secret field 'appToken' is empty\n")
        self.assertNotIn("Channel 'telegram' started", log)
        self.assertEqual(request(g.port, b"GET /health HTTP/1.1\r\n\r\n"), OK_BYTES)

    def test_env_enables_a_channel(self):
        case = T.case("env-channel")
        g = self.gateway("env-channel", case=case, env={"NANOBOT_CHANNELS__DISCORD__ENABLED": "true",
                                                        "NANOBOT_CHANNELS__DISCORD__TOKEN": "d"},
                         paths=[T.site("slack-discord")])
        self.assertIn("\u2713 Channels enabled: websocket, discord\n", g.log())


class SessionsAndFiles(StandinTest):
    def test_030_layout_start_and_shutdown_lines(self):
        g = self.gateway("layout-030")
        session = os.path.join(g.workspace, "sessions", "standin.jsonl")
        self.assertEqual(g.stop(), 0)
        lines = read_lines(session)
        self.assertEqual(lines[0]["role"], "system")
        self.assertIn("gateway started", lines[0]["content"])
        self.assertEqual((lines[-1]["role"], lines[-1]["content"]), ("system", "shutdown"))
        self.assertTrue(all(set(x) == {"role", "content", "timestamp"} for x in lines))
        config_dir = os.path.dirname(g.config_path)
        self.assertEqual(sorted(os.listdir(config_dir)), ["config.json"])  # no sessions/, logs/, media/ there
        for f in ("SOUL.md", "AGENTS.md", "USER.md", "HEARTBEAT.md", "memory/MEMORY.md"):
            self.assertTrue(os.path.isfile(os.path.join(g.workspace, f)), f)
        self.assertFalse(os.path.exists(os.path.join(g.workspace, ".nanobot")))

    def test_main_layout_migration_and_restore(self):
        case = T.case("layout-main")
        ws = os.path.join(case, "workspace")
        os.makedirs(os.path.join(ws, "sessions"))
        old = {"role": "user", "content": "from 0.3.0", "timestamp": "2026-07-30T10:00:00+00:00"}
        with open(os.path.join(ws, "sessions", "telegram_42.jsonl"), "w") as f:
            f.write(json.dumps(old) + "\n")
        g = self.gateway("layout-main", case=case, src=T.src035)
        with open(os.path.join(ws, ".nanobot", "workspace-id")) as f:
            wsid = f.read().strip()
        self.assertRegex(wsid, r"^[0-9a-f]{32}$")
        new_dir = os.path.join(case, "config", "sessions", wsid)
        self.assertIn(f"Moved 1 session(s) from {os.path.join(ws, 'sessions')} to {new_dir}", g.log())
        self.assertFalse(os.path.exists(os.path.join(ws, "sessions")))
        self.assertEqual(read_lines(os.path.join(new_dir, "telegram_42.jsonl")), [old])
        self.assertEqual(g.stop(), 0)
        self.assertEqual(read_lines(os.path.join(new_dir, "standin.jsonl"))[-1]["content"], "shutdown")
        # one-shot agent writes there too
        r = Run(T.src035, ["agent", "-m", "hi", "-c", g.config_path, "--session", "cli:me"])
        self.assertEqual((r.code, r.out.strip()), (0, "standin reply to: hi"), r.err)
        self.assertEqual([x["role"] for x in read_lines(os.path.join(new_dir, "cli_me.jsonl"))], ["user", "assistant"])
        # 0.3.0 on the same folders sees no history (the files are still on disk)
        r = Run(T.src030, ["agent", "-m", "again", "-c", g.config_path, "--session", "cli:me"])
        self.assertEqual(len(read_lines(os.path.join(ws, "sessions", "cli_me.jsonl"))), 2)
        os.remove(os.path.join(ws, "sessions", "cli_me.jsonl"))
        # restore-workspace moves them back; the same id stays, so a later main start moves them again
        r = Run(T.src035, ["sessions", "restore-workspace", "-c", g.config_path])
        self.assertEqual(r.code, 0, r.err + r.out)
        self.assertIn(f"Restored 3 session(s) from {new_dir} to {os.path.join(ws, 'sessions')}", r.out)
        self.assertEqual(sorted(os.listdir(os.path.join(ws, "sessions"))), ["cli_me.jsonl", "standin.jsonl", "telegram_42.jsonl"])
        self.assertFalse(os.path.exists(new_dir))
        r = Run(T.src035, ["sessions", "restore-workspace", "-c", g.config_path])
        self.assertEqual(r.code, 0)
        self.assertIn("No sessions to restore", r.out)

    def test_main_refuses_sessions_inside_workspace(self):
        case = T.case("sessions-inside")
        cfg = base_config(case)
        cfg["agents"]["defaults"]["sessionsDir"] = os.path.join(case, "workspace", "sess")
        r = self.agent(T.src035, case, cfg=cfg)
        self.assertEqual(r.code, 1)
        self.assertIn("is inside the workspace", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1)
        r = Run(T.src035, ["gateway", "-c", write_config(case, cfg)])
        self.assertEqual(r.code, 1)
        self.assertIn("is inside the workspace", r.err)
        self.assertEqual(self.agent(T.src030, case, cfg=cfg).code, 0)  # 0.3.0: an unknown key, ignored
        cfg["agents"]["defaults"]["sessionsDir"] = os.path.join(case, "elsewhere")
        self.assertEqual(self.agent(T.src035, case, cfg=cfg).code, 0)
        self.assertEqual(len(os.listdir(os.path.join(case, "elsewhere"))), 1)

    def test_agent_one_shot_030(self):
        case = T.case("agent-030")
        r = self.agent(T.src030, case, message="what time is it?")
        self.assertEqual((r.code, r.out), (0, "standin reply to: what time is it?\n"), r.err)
        lines = read_lines(os.path.join(case, "workspace", "sessions", "cli_direct.jsonl"))
        self.assertEqual([(x["role"], x["content"]) for x in lines],
                         [("user", "what time is it?"), ("assistant", "standin reply to: what time is it?")])

    def test_workspace_flag_wins(self):
        case = T.case("ws-flag")
        other = os.path.join(case, "other-ws")
        r = self.agent(T.src030, case, extra=("-w", other))
        self.assertEqual(r.code, 0, r.err)
        self.assertTrue(os.path.isfile(os.path.join(other, "sessions", "cli_direct.jsonl")))


class Writers(StandinTest):
    def test_idle_writes_little_and_sleeps(self):
        g = self.gateway("idle")
        history = os.path.join(g.workspace, "memory", "history.jsonl")
        stat = f"/proc/{g.proc.pid}/stat"
        if os.path.exists(stat):
            def cpu():
                with open(stat) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            c0 = cpu()
            time.sleep(1.5)
            self.assertLess(cpu() - c0, 0.1, "the idle gateway uses CPU")
            with open(f"/proc/{g.proc.pid}/status") as f:
                rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            self.assertLess(rss, 64 * 1024, "more than 64 MiB resident")
        else:
            time.sleep(1.5)
        self.assertFalse(os.path.exists(history), "a heartbeat before intervalS")
        self.assertEqual(len(read_lines(os.path.join(g.workspace, "sessions", "standin.jsonl"))), 1)

    def test_heartbeat_interval(self):
        case = T.case("heartbeat")
        cfg = base_config(case)
        cfg["gateway"]["heartbeat"]["intervalS"] = 0.2
        g = self.gateway("heartbeat", case=case, cfg=cfg)
        time.sleep(1.1)
        self.assertEqual(g.stop(), 0)
        lines = read_lines(os.path.join(g.workspace, "memory", "history.jsonl"))
        self.assertGreaterEqual(len(lines), 3)
        self.assertEqual([x["cursor"] for x in lines], list(range(1, len(lines) + 1)))
        cfg["gateway"]["heartbeat"]["enabled"] = False
        g = self.gateway("heartbeat-off", case=case, cfg=cfg)
        time.sleep(0.6)
        self.assertEqual(g.stop(), 0)
        self.assertEqual(len(read_lines(os.path.join(g.workspace, "memory", "history.jsonl"))), len(lines))

    def test_chatter(self):
        g = self.gateway("chatter", env={"STANDIN_CHATTER": "40"})
        session = os.path.join(g.workspace, "sessions", "standin.jsonl")
        memory = os.path.join(g.workspace, "memory", "MEMORY.md")
        time.sleep(1.0)
        lines = read_lines(session)
        self.assertGreater(len(lines), 30)
        self.assertEqual({x["role"] for x in lines[1:]}, {"user", "assistant"})
        with open(session, "rb") as f:
            sizes = [len(line) for line in f.read().splitlines()[1:]]
        self.assertTrue(all(200 <= s <= 600 for s in sizes), sizes[:4])
        with open(memory) as f:
            self.assertIn("chatter turns so far", f.read())
        self.assertEqual(g.stop(), 0)
        self.assertEqual(read_lines(session)[-1]["content"], "shutdown")

    def test_chatter_main_without_provider_answers_nothing(self):
        g = self.gateway("chatter-mute", src=T.src035, env={"STANDIN_CHATTER": "20", "OPENAI_API_KEY": ""})
        time.sleep(0.6)
        self.assertEqual(g.stop(), 0)
        with open(os.path.join(g.workspace, ".nanobot", "workspace-id")) as f:
            wsid = f.read().strip()
        lines = read_lines(os.path.join(g.case, "config", "sessions", wsid, "standin.jsonl"))
        self.assertEqual({x["role"] for x in lines[1:-1]}, {"user"})

    def test_dream(self):
        g = self.gateway("dream", env={"STANDIN_DREAM": "1"})
        for rel in ("SOUL.md", "USER.md", "memory/MEMORY.md"):
            with open(os.path.join(g.workspace, rel)) as f:
                self.assertIn("Dream", f.read(), rel)


class Shutdown(StandinTest):
    def test_sigterm_and_sigint_are_quick_and_graceful(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            g = self.gateway(f"stop-{sig}")
            t0 = time.monotonic()
            self.assertEqual(g.stop(sig), 0)
            self.assertLess(time.monotonic() - t0, 1.0)
            self.assertEqual(read_lines(os.path.join(g.workspace, "sessions", "standin.jsonl"))[-1]["content"], "shutdown")
            with self.assertRaises(OSError):
                request(g.port, b"GET /health HTTP/1.1\r\n\r\n", timeout=1)

    def test_shutdown_seconds(self):
        g = self.gateway("linger", env={"STANDIN_SHUTDOWN_SECONDS": "1.5"})
        t0 = time.monotonic()
        self.assertEqual(g.stop(), 0)
        self.assertGreaterEqual(time.monotonic() - t0, 1.4)
        self.assertEqual(read_lines(os.path.join(g.workspace, "sessions", "standin.jsonl"))[-1]["content"], "shutdown")

    def test_kill_during_shutdown_leaves_no_final_line(self):
        g = self.gateway("killed", env={"STANDIN_SHUTDOWN_SECONDS": "30"})
        g.proc.send_signal(signal.SIGTERM)
        g.wait_for("Waiting 30s for running tasks")
        g.kill()
        self.assertEqual(g.proc.returncode, -signal.SIGKILL)
        lines = read_lines(os.path.join(g.workspace, "sessions", "standin.jsonl"))
        self.assertNotEqual(lines[-1]["content"], "shutdown")


def build_python():
    """A Python with pip, setuptools >= 61 and wheel, to build ../channel-wheels, or None."""
    for candidate in (os.environ.get("STANDIN_TEST_BUILD_PYTHON"), sys.executable):
        if candidate and subprocess.run([candidate, "-c", "import setuptools, wheel, pip"],
                                        capture_output=True).returncode == 0:
            return candidate
    return None


class ChannelWheels(StandinTest):
    def test_channel_wheels_build_install_and_enable_telegram(self):
        python = build_python()
        if not python:
            self.skipTest("no Python with setuptools and wheel here (set STANDIN_TEST_BUILD_PYTHON)")
        out = os.path.join(T.root, "wheels")
        r = subprocess.run(["sh", os.path.join(WHEELS_SRC, "build.sh"), out], capture_output=True, text=True,
                           env={**os.environ, "PYTHON": python})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        names = sorted(os.listdir(out))
        for prefix in ("aiohttp-", "discord.py-2.5.2-", "python_socks-", "python_telegram_bot-22.6-",
                       "slack_sdk-3.39.0-", "slackify_markdown-", "socksio-"):
            self.assertTrue(any(n.startswith(prefix) for n in names), (prefix, names))
        venv = os.path.join(T.root, "wheel-venv")
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        vpy = os.path.join(venv, "bin", "python")
        env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        r = subprocess.run([vpy, "-m", "pip", "install", "--no-index", "--find-links", out,
                            "python-telegram-bot[socks,webhooks]>=22.6,<23", "socksio", "python-socks[asyncio]",
                            "slack-sdk>=3.39", "slackify-markdown", "aiohttp", "discord.py>=2.5.2"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("does not provide the extra", r.stdout + r.stderr)
        case = T.case("wheels")
        cfg = base_config(case)
        cfg["channels"] = {"telegram": {"enabled": True, "token": "t"}, "discord": {"enabled": True, "token": "d"},
                           "slack": {"enabled": True, "botToken": "b", "appToken": "a"}}
        path = write_config(case, cfg)
        p = subprocess.Popen([vpy, "-m", "nanobot", "gateway", "-c", path], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, env=T.env(T.src030), cwd=T.root)
        try:
            lines = []
            for line in p.stdout:
                lines.append(line)
                if READY in line:
                    break
            self.assertIn("\u2713 Channels enabled: websocket, telegram, slack, discord\n", lines, "".join(lines))
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(10)


if __name__ == "__main__":
    unittest.main()
