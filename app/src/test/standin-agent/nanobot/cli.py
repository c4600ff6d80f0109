"""Command line of the stand-in: `nanobot --version` and `nanobot gateway`.

See README.md for the behaviour and the STANDIN_* test hooks.
"""
import argparse
import datetime
import http.server
import json
import os
import re
import signal
import sys
import threading
import time

from nanobot import __version__

DEFAULT_CONFIG = "~/.nanobot/config.json"
DEFAULT_WORKSPACE = "~/.nanobot/workspace"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigError(Exception):
    pass


def resolve_placeholders(value, where="config"):
    """Replaces ${VAR} in every string value with the environment's value; unset VAR is an error."""
    if isinstance(value, dict):
        return {k: resolve_placeholders(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):
        def substitute(match):
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"environment variable {name} is not set (used by {where})")
            return os.environ[name]
        return PLACEHOLDER.sub(substitute, value)
    return value


def get(section, camel_key, default=None):
    """Reads a camelCase key, accepting its snake_case spelling too (like nanobot)."""
    if not isinstance(section, dict):
        return default
    snake_key = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel_key)
    for key in (camel_key, snake_key):
        if key in section:
            return section[key]
    return default


def load_config(path):
    if not os.path.exists(path):
        print(f"nanobot: no config at {path}, using defaults", file=sys.stderr, flush=True)
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read {path}: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: top level must be a JSON object")
    return resolve_placeholders(raw, "config")


class HealthHandler(http.server.BaseHTTPRequestHandler):
    """GET /health -> 200 {"status":"ok"} (503 with STANDIN_NO_HEALTH=1); anything else -> 404."""

    def do_GET(self):
        if self.path != "/health":
            self.reply(404, {"error": "not found"})
        elif os.environ.get("STANDIN_NO_HEALTH") == "1":
            self.reply(503, {"status": "unavailable"})
        else:
            self.reply(200, {"status": "ok"})

    def reply(self, code, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # keep stdout to one line per start
        pass


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def append_line(path, record):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def gateway(args):
    crash = os.environ.get("STANDIN_EXIT_AT_START")
    if crash:
        print(f"nanobot: simulated crash at start (STANDIN_EXIT_AT_START={crash})", file=sys.stderr, flush=True)
        return int(crash)

    config_path = os.path.abspath(os.path.expanduser(args.config))
    try:
        config = load_config(config_path)
    except ConfigError as e:
        print(f"nanobot: config error: {e}", file=sys.stderr, flush=True)
        return 1
    gw = get(config, "gateway", {})
    host = get(gw, "host", "127.0.0.1")
    port = int(args.port if args.port is not None else get(gw, "port", 18790))
    workspace = args.workspace or get(get(get(config, "agents", {}), "defaults", {}), "workspace", DEFAULT_WORKSPACE)
    workspace = os.path.abspath(os.path.expanduser(workspace))
    history = os.path.join(workspace, "memory", "history.jsonl")
    session = os.path.join(os.path.dirname(config_path), "sessions", "standin.jsonl")

    try:
        server = http.server.ThreadingHTTPServer((host, port), HealthHandler)
    except OSError as e:
        print(f"nanobot: cannot listen on {host}:{port}: {e}", file=sys.stderr, flush=True)
        return 1
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"gateway listening on {host}:{port}", flush=True)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))

    counter = count_lines(history)
    next_beat = 0.0
    while not stopping:
        now = time.monotonic()
        if now >= next_beat:
            counter += 1
            ts = datetime.datetime.now(datetime.timezone.utc).isoformat()
            append_line(history, {"type": "heartbeat", "counter": counter, "timestamp": ts, "pid": os.getpid()})
            append_line(session, {"role": "system", "content": f"heartbeat {counter}", "timestamp": ts})
            next_beat = now + 1.0
        time.sleep(0.1)
    server.shutdown()
    server.server_close()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="nanobot", description="nanobot stand-in for tests")
    parser.add_argument("--version", action="version", version=f"nanobot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    gw = commands.add_parser("gateway", help="run the gateway (answers GET /health)")
    gw.add_argument("-c", "--config", default=DEFAULT_CONFIG, help=f"config file (default {DEFAULT_CONFIG})")
    gw.add_argument("-w", "--workspace", help="workspace folder (default: agents.defaults.workspace)")
    gw.add_argument("--port", type=int, help="gateway port (default: gateway.port or 18790)")
    args = parser.parse_args(argv)
    if args.command == "gateway":
        return gateway(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
