"""`nanobot gateway` and `nanobot agent -m`: start-up checks, channels, WebUI, heartbeat, test hooks, shutdown.

Start-up order (as the real gateway): config (file, ${VAR}, NANOBOT_* variables) -> timezone -> provider ->
start line -> workspace + sessions -> channel dependency preparation -> channel construction
(`✓ Channels enabled: ...`) -> channels start -> health listener (`✓ Health endpoint: ...`). So a /health 200
proves start-up finished, and nothing about channels or the provider.
"""
import base64
import datetime
import hashlib
import json
import os
import select
import signal
import sys
import time

from nanobot import __version__, channels, log, providers
from nanobot.config import Config, ConfigError, check_timezone
from nanobot.net import TcpServer
from nanobot.sessions import Sessions
from nanobot.version import FLAVOUR, LIKE_MAIN

WHERE = "nanobot.cli.commands"
GATEWAY_SESSION = "standin"  # the session the gateway itself writes: start line, chatter, shutdown line
DEFAULT_AGENT_SESSION = "cli:direct"
WEBUI_DEFAULT = ("127.0.0.1", 8765)
FILLER = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore "
          "et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi.")
TEMPLATES = {
    "AGENTS.md": "# Agent Instructions\n\nYou are a helpful assistant (nanobot stand-in).\n",
    "SOUL.md": "# Soul\n\nI am nanobot, a lightweight AI assistant (stand-in).\n",
    "USER.md": "# User\n\nInformation about the user goes here.\n",
    "HEARTBEAT.md": "# Heartbeat Tasks\n\n<!-- tasks the agent checks every heartbeat -->\n",
    os.path.join("memory", "MEMORY.md"): "# Long-term Memory\n\n(nothing yet)\n",
}


class Runtime:
    """What both commands resolve before doing anything: config, workspace, timezone, provider."""

    def __init__(self, args):
        self.config = Config.load(args.config)
        self.workspace = self.config.workspace(getattr(args, "workspace", None))
        self.tz = check_timezone(self.config.timezone_name())
        self.provider = providers.resolve(self.config)
        if self.provider.problem and not LIKE_MAIN:
            raise ConfigError(f"Error: {self.provider.problem}")

    def now(self):
        return datetime.datetime.now(self.tz).isoformat(timespec="milliseconds")


def ensure_workspace(workspace):
    """The real gateway's sync_workspace_templates: creates what is missing, never overwrites."""
    os.makedirs(os.path.join(workspace, "memory"), exist_ok=True)
    for rel, text in TEMPLATES.items():
        path = os.path.join(workspace, rel)
        if not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)


def _append_json(path, record):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")


def _count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def _write_memory(workspace, text):
    # rewritten in place, as the real agent does (no temp file + rename)
    with open(os.path.join(workspace, "memory", "MEMORY.md"), "w", encoding="utf-8") as f:
        f.write(text)


def dream(rt):
    """STANDIN_DREAM=1: what Dream does on its own, every 2 h in the real one: edits SOUL.md, USER.md, MEMORY.md."""
    ts = rt.now()
    for rel in ("SOUL.md", "USER.md"):
        with open(os.path.join(rt.workspace, rel), "a", encoding="utf-8") as f:
            f.write(f"\n## Dream {ts}\n\nRevised by Dream (stand-in, STANDIN_DREAM=1).\n")
    _write_memory(rt.workspace, f"# Long-term Memory\n\nConsolidated by Dream at {ts} (stand-in).\n")
    log.info("nanobot.agent.memory", "Dream: edited SOUL.md, USER.md, memory/MEMORY.md")


def webui_response(head):
    """The WebUI/websocket channel's listener: a WebSocket handshake (then a close frame), or a tiny page."""
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            headers[k.strip().lower()] = v.strip()
    key = headers.get(b"sec-websocket-key")
    if key and headers.get(b"upgrade", b"").lower() == b"websocket":
        accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + b"\x88\x02\x03\xe8")
    body = b"<!doctype html>\n<title>nanobot WebUI</title>\n<p>nanobot WebUI (stand-in)</p>\n"
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % len(body)) + body


def _env_float(name, default=0.0):
    raw = os.environ.get(name, "")
    if not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        log.warning(WHERE, f"{name}={raw!r} is not a number; ignored")
        return default
    return value if value >= 0 else default


def webui_address(config):
    """channels.websocket.host/port (default 127.0.0.1:8765); the test hook STANDIN_WEBUI_PORT wins."""
    section = config.section("channels", "websocket")
    host = config.text(section, "host", WEBUI_DEFAULT[0], "channels.websocket.host") or WEBUI_DEFAULT[0]
    port = config.number(section, "port", WEBUI_DEFAULT[1], "channels.websocket.port", integer=True, minimum=0, maximum=65535)
    hook = os.environ.get("STANDIN_WEBUI_PORT", "").strip()
    if hook:
        try:
            port = int(hook)
        except ValueError:
            log.warning(WHERE, f"STANDIN_WEBUI_PORT={hook!r} is not a port number; ignored")
    return host, port


def _start_webui(host, port):
    try:
        server = TcpServer(host, port, webui_response).start()
    except (OSError, OverflowError) as e:
        log.error("nanobot.channels.websocket", f"WebSocket channel could not listen on {host}:{port}: {e}")
        return None
    log.info("nanobot.channels.websocket", f"WebSocket channel (WebUI) listening on {host}:{server.port}")
    return server


def gateway(args, health_response):
    crash = os.environ.get("STANDIN_EXIT_AT_START")
    if crash:
        log.fail(f"Error: simulated crash at start (STANDIN_EXIT_AT_START={crash})")
        try:
            return int(crash)
        except ValueError:
            return 1
    try:
        rt = Runtime(args)
        config = rt.config
        host, port = config.gateway_host(), config.gateway_port(args.port)
        hb_enabled, hb_interval = config.heartbeat()
        wanted = channels.enabled_in_config(config)
        webui_host, webui_port = webui_address(config)
    except ConfigError as e:
        log.fail(e.message)
        return e.code

    pid = os.getpid()
    log.console(f"\U0001F408 Starting nanobot gateway version {__version__} on port {port}...")
    log.info(WHERE, f"nanobot {__version__} (stand-in behaving like nanobot {FLAVOUR}), pid {pid}, "
                    f"config {config.path}, workspace {rt.workspace}")
    provider = rt.provider
    if provider.problem:
        log.warning(WHERE, f"Provider/model setup is incomplete: {provider.problem}")
        log.console("Gateway will start so you can configure a provider and model; until then the agent answers nothing.")
    else:
        log.info(WHERE, f"Agent model '{provider.model}' via provider '{provider.name}'")

    try:
        ensure_workspace(rt.workspace)
        sessions = Sessions(config, rt.workspace)
        session_path = sessions.append(GATEWAY_SESSION, {
            "role": "system", "content": f"gateway started: nanobot {__version__}, pid {pid}", "timestamp": rt.now()})
        if os.environ.get("STANDIN_DREAM") == "1":
            dream(rt)
    except ConfigError as e:
        log.fail(e.message)
        return e.code
    except OSError as e:
        log.fail(f"Error: Cannot write the workspace {rt.workspace} or config dir {config.dir}: {e}")
        return 1
    log.debug(WHERE, f"Sessions in {sessions.dir}")

    # channels: dependencies first (pip attempts), then construction, then start
    ready = channels.prepare(wanted)
    webui = _start_webui(webui_host, webui_port)
    if webui is None:
        ready = [n for n in ready if n != "websocket"]
    if ready:
        log.console(f"\u2713 Channels enabled: {', '.join(ready)}")
    if not any(n != "websocket" for n in ready):
        log.console("Warning: No channels enabled")
    if hb_enabled:
        log.console(f"\u2713 Heartbeat: every {hb_interval:g}s")
    for name in ready:
        if name == "websocket":
            continue
        empty = channels.empty_secrets(config, name)
        for field in empty:
            log.warning(channels.WHERE, f"Channel '{name}' not started: secret field '{field}' is empty")
        if not empty:
            log.info(channels.WHERE, f"Channel '{name}' started (stand-in: no network traffic)")

    # signals: from here on SIGTERM/SIGINT are a graceful stop
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)
        try:
            os.write(wake_w, b"x")
        except OSError:
            pass

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    try:
        health = TcpServer(host, port, health_response).start()
    except OSError as e:
        log.fail(f"Error: Cannot listen on {host}:{port}: {e}")
        if webui:
            webui.close()
        return 1
    log.console(f"\u2713 Health endpoint: http://{host}:{health.port}/health")

    # running: sleep on the wake-up pipe until the next heartbeat / chatter turn / signal
    chatter = _env_float("STANDIN_CHATTER")
    period = 1.0 / chatter if chatter > 0 else None
    inf = float("inf")
    start = time.monotonic()
    next_hb = start + hb_interval if hb_enabled else inf
    next_chat = start + period if period else inf
    history = os.path.join(rt.workspace, "memory", "history.jsonl")
    cursor = _count_lines(history)
    turn = 0
    while not stop:
        due = min(next_hb, next_chat)
        timeout = None if due == inf else min(3600.0, max(0.0, due - time.monotonic()))
        try:
            readable, _, _ = select.select([wake_r], [], [], timeout)
        except InterruptedError:
            readable = []
        if readable or stop:
            break
        now = time.monotonic()
        try:
            if now >= next_hb:
                cursor += 1
                _append_json(history, {"cursor": cursor, "timestamp": rt.now(), "type": "heartbeat",
                                       "content": "Heartbeat: HEARTBEAT.md checked, nothing to do", "pid": pid})
                next_hb += hb_interval
                if next_hb <= now:
                    next_hb = now + hb_interval
            if now >= next_chat:
                turn += 1
                ts = rt.now()
                records = [{"role": "user", "content": f"chatter turn {turn}: {FILLER}", "timestamp": ts}]
                if not provider.problem:  # main with no usable provider answers nothing
                    records.append({"role": "assistant", "content": f"standin reply to: chatter turn {turn}. {FILLER}",
                                    "timestamp": ts})
                sessions.append(GATEWAY_SESSION, *records)
                if turn % 10 == 0:
                    _write_memory(rt.workspace, f"# Long-term Memory\n\n- {turn} chatter turns so far, the last at {ts}.\n"
                                                f"- {FILLER}\n")
                    cursor += 1
                    _append_json(history, {"cursor": cursor, "timestamp": ts, "type": "consolidation",
                                           "content": f"Consolidated chatter turns up to {turn}", "pid": pid})
                next_chat += period
                if next_chat < now - 5 * period:
                    next_chat = now + period  # fell behind (slow disk): do not burst
        except OSError as e:
            log.error(WHERE, f"Cannot write the workspace or sessions: {e}")
            next_chat = max(next_chat, now + 1.0) if period else inf
            if next_hb <= now:
                next_hb = now + hb_interval

    # graceful stop: stop accepting, let "running tasks and channels" finish, flush sessions
    log.console("Shutting down...")
    health.close()
    if webui:
        webui.close()
    linger = _env_float("STANDIN_SHUTDOWN_SECONDS")
    if linger > 0:
        log.info(WHERE, f"Waiting {linger:g}s for running tasks and channels to stop (STANDIN_SHUTDOWN_SECONDS)")
        time.sleep(linger)
    try:
        sessions.append(GATEWAY_SESSION, {"role": "system", "content": "shutdown", "timestamp": rt.now()})
        log.info(WHERE, "Shutdown: flushed 1 session(s) to disk")
    except OSError as e:
        log.error(WHERE, f"Shutdown: could not flush {session_path}: {e}")
    return 0


def agent(args):
    """`nanobot agent -m MESSAGE`: one turn with a canned, deterministic reply (no network)."""
    try:
        rt = Runtime(args)
    except ConfigError as e:
        log.fail(e.message)
        return e.code
    if rt.provider.problem:
        log.fail(f"Error: Provider/model setup is incomplete: {rt.provider.problem}")
        return 1
    reply = f"standin reply to: {args.message}"
    try:
        ensure_workspace(rt.workspace)
        sessions = Sessions(rt.config, rt.workspace)
        ts = rt.now()
        sessions.append(args.session or DEFAULT_AGENT_SESSION,
                        {"role": "user", "content": args.message, "timestamp": ts},
                        {"role": "assistant", "content": reply, "timestamp": ts})
    except ConfigError as e:
        log.fail(e.message)
        return e.code
    except OSError as e:
        log.fail(f"Error: Cannot write the session: {e}")
        return 1
    log.console(reply)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run `python -m nanobot` instead")
