"""Output in the style of the real gateway: loguru-like log lines on stderr, rich-console lines on stdout.

Every line is written whole and flushed at once, so a container log shows it immediately.
"""
import datetime
import sys

VERBOSE = False


def setup(verbose=False):
    global VERBOSE
    VERBOSE = verbose
    for stream in (sys.stdout, sys.stderr):
        # the check marks must come out as UTF-8 whatever the container's locale says
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="backslashreplace")
            except (ValueError, OSError):
                pass


def _write(stream, line):
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _timestamp():
    # local time from libc: works without any tz database (then it is UTC)
    return datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def log(level, where, message):
    """`2026-09-30 12:00:00.123 | ERROR    | nanobot.channels.manager - message` (loguru's layout)."""
    if level == "DEBUG" and not VERBOSE:
        return
    _write(sys.stderr, f"{_timestamp()} | {level:<8} | {where} - {message}")


def debug(where, message):
    log("DEBUG", where, message)


def info(where, message):
    log("INFO", where, message)


def warning(where, message):
    log("WARNING", where, message)


def error(where, message):
    log("ERROR", where, message)


def console(message):
    """A line the real gateway prints with rich's console (stdout), e.g. `✓ Channels enabled: ...`."""
    _write(sys.stdout, message)


def fail(message):
    """A fatal one-line error on stderr (`Error: ...`), printed just before a non-zero exit."""
    _write(sys.stderr, message)
