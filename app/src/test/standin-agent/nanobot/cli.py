"""Command line of the stand-in, as the real one:

  nanobot --version | -v
  nanobot gateway [-p/--port N] [-c/--config PATH] [-w/--workspace PATH] [-v/--verbose]
  nanobot agent -m MESSAGE [-c PATH] [-w PATH] [-s/--session ID]
  nanobot sessions restore-workspace [-c PATH] [-w PATH]      (versions after 0.3.0 only)

See README.md for the behaviour and the STANDIN_* test hooks.
"""
import argparse
import json
import os
import sys

from nanobot import __version__, log
from nanobot.version import LIKE_MAIN

# The gateway port's answers, byte for byte as the real gateway's (HTTP/1.0, then the connection is closed).
_OK_BODY = json.dumps({"status": "ok"}).encode()  # {"status": "ok"}, with the space
HEALTH_OK = (b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
             b"Connection: close\r\n\r\n" % len(_OK_BODY)) + _OK_BODY
NOT_FOUND = (b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n"
             b"Connection: close\r\n\r\nNot Found")


def health_response(head):
    """GET /health -> 200 {"status": "ok"}; anything else (other paths, other methods) -> 404 Not Found.
    Liveness only: never 503. STANDIN_NO_HEALTH=1 (test hook): /health is 404 too, never healthy."""
    request_line = head.split(b"\r\n", 1)[0].decode("utf-8", errors="replace")
    parts = request_line.split(" ")
    method, path = (parts[0], parts[1]) if len(parts) >= 2 else ("", "")
    if method != "GET" or path != "/health":
        return NOT_FOUND
    elif os.environ.get("STANDIN_NO_HEALTH") == "1":
        return NOT_FOUND
    else:
        return HEALTH_OK


def _parser():
    parser = argparse.ArgumentParser(prog="nanobot", description="nanobot stand-in (tests only)")
    parser.add_argument("-v", "--version", action="version", version=f"nanobot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gw = commands.add_parser("gateway", help="run the gateway")
    gw.add_argument("-p", "--port", type=int, help="gateway port (default: gateway.port, 18790)")
    gw.add_argument("-c", "--config", help="config file (default ~/.nanobot/config.json)")
    gw.add_argument("-w", "--workspace", help="workspace (default: agents.defaults.workspace)")
    gw.add_argument("-v", "--verbose", action="store_true", help="debug logs")

    ag = commands.add_parser("agent", help="one turn with the agent")
    ag.add_argument("-m", "--message", help="message to send")
    ag.add_argument("-s", "--session", default="cli:direct", help="session id (default cli:direct)")
    ag.add_argument("-c", "--config", help="config file")
    ag.add_argument("-w", "--workspace", help="workspace")
    ag.add_argument("--logs", action="store_true", help="show runtime logs")

    if LIKE_MAIN:
        se = commands.add_parser("sessions", help="manage session storage")
        sub = se.add_subparsers(dest="sessions_command", metavar="COMMAND")
        rw = sub.add_parser("restore-workspace", help="move sessions back into <workspace>/sessions/")
        rw.add_argument("-c", "--config", help="config file")
        rw.add_argument("-w", "--workspace", help="workspace")
    return parser, set(commands.choices)


def main(argv=None):
    log.setup()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, known = _parser()
    if argv and not argv[0].startswith("-") and argv[0] not in known:
        log.fail(f"Error: No such command '{argv[0]}'.")  # typer's wording; e.g. `sessions` on 0.3.0
        return 2
    args = parser.parse_args(argv)

    from nanobot import gateway  # after argument parsing: `--version` stays cheap

    if args.command == "gateway":
        log.setup(verbose=args.verbose)
        return gateway.gateway(args, health_response)
    if args.command == "agent":
        if not args.message:
            log.fail("Error: the stand-in has no interactive mode; use `nanobot agent -m MESSAGE`")
            return 2
        return gateway.agent(args)
    if args.command == "sessions":
        if args.sessions_command != "restore-workspace":
            log.fail("Error: Missing command. Try 'nanobot sessions restore-workspace'.")
            return 2
        return _restore_workspace(args)
    parser.print_help()
    return 2


def _restore_workspace(args):
    from nanobot.config import Config, ConfigError
    from nanobot.sessions import restore_workspace

    try:
        config = Config.load(args.config)
        return restore_workspace(config, config.workspace(args.workspace))
    except ConfigError as e:
        log.fail(e.message)
        return e.code
    except OSError as e:
        log.fail(f"Error: Cannot move the sessions: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
