"""Where sessions live, per version (see README.md, "Sessions and files").

0.3.0:  <workspace>/sessions/<session>.jsonl
main:   <config-dir>/sessions/<workspace id>/<session>.jsonl, the id (32 hex) in <workspace>/.nanobot/workspace-id,
        created on first start; at every start, sessions still in <workspace>/sessions/ are MOVED there (and
        deleted from the workspace). A session folder inside the workspace is refused.
One JSON object per line: {"role": ..., "content": ..., "timestamp": ...}.
"""
import json
import os
import re
import secrets
import shutil

from nanobot import log
from nanobot.config import ConfigError
from nanobot.version import LIKE_MAIN

WHERE = "nanobot.session.manager"
WORKSPACE_ID_FILE = os.path.join(".nanobot", "workspace-id")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def safe_name(session_id):
    """cli:direct -> cli_direct (the real safe_filename)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", session_id.replace(":", "_")) or "_"


def legacy_dir(workspace):
    return os.path.join(workspace, "sessions")


def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def sessions_base(config, workspace):
    """main: the folder that holds one sub-folder per workspace id; refused inside the workspace."""
    setting = config.text(config.defaults(), "sessions_dir", "", "agents.defaults.sessionsDir")
    base = os.path.abspath(os.path.expanduser(setting)) if setting else os.path.join(config.dir, "sessions")
    if _inside(base, workspace):
        raise ConfigError(f"Error: Session folder {base} is inside the workspace {workspace}; "
                          "sessions must be kept outside the workspace")
    return base


def read_workspace_id(workspace):
    path = os.path.join(workspace, WORKSPACE_ID_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            wsid = f.read().strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ConfigError(f"Error: Cannot read workspace id {path}: {e}")
    if not _HEX32.match(wsid):
        raise ConfigError(f"Error: Invalid workspace id in {path}: expected 32 hex digits")
    return wsid


def workspace_id(workspace):
    wsid = read_workspace_id(workspace)
    if wsid:
        return wsid
    wsid = secrets.token_hex(16)
    path = os.path.join(workspace, WORKSPACE_ID_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(wsid + "\n")
    log.info(WHERE, f"Workspace id {wsid} written to {path}")
    return wsid


def _jsonl_files(folder):
    try:
        names = sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [n for n in names if n.endswith(".jsonl") and os.path.isfile(os.path.join(folder, n))]


def move_sessions(source, target):
    """Moves every <source>/*.jsonl to <target>/ (never over an existing file): (moved, skipped)."""
    moved, skipped = [], []
    names = _jsonl_files(source)
    if not names:
        return moved, skipped
    os.makedirs(target, exist_ok=True)
    for name in names:
        dst = os.path.join(target, name)
        if os.path.exists(dst):
            skipped.append(name)
            continue
        shutil.move(os.path.join(source, name), dst)  # copy + delete across file systems
        moved.append(name)
    try:
        os.rmdir(source)  # only when nothing else is left in it
    except OSError:
        pass
    return moved, skipped


class Sessions:
    def __init__(self, config, workspace):
        self.workspace = workspace
        if LIKE_MAIN:
            base = sessions_base(config, workspace)
            self.dir = os.path.join(base, workspace_id(workspace))
            old = legacy_dir(workspace)
            moved, skipped = move_sessions(old, self.dir)
            if moved:
                log.info(WHERE, f"Moved {len(moved)} session(s) from {old} to {self.dir}")
            for name in skipped:
                log.warning(WHERE, f"Session {name} is in both {old} and {self.dir}; left the workspace copy in place")
        else:
            self.dir = legacy_dir(workspace)

    def path(self, session_id):
        return os.path.join(self.dir, safe_name(session_id) + ".jsonl")

    def append(self, session_id, *records):
        path = self.path(session_id)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return path


def restore_workspace(config, workspace):
    """`nanobot sessions restore-workspace` (main): moves this workspace's sessions back into
    <workspace>/sessions/, where 0.3.0 reads them. Returns the exit code."""
    wsid = read_workspace_id(workspace)
    target = legacy_dir(workspace)
    if not wsid:
        log.console(f"No sessions to restore: {workspace} has no workspace id")
        return 0
    setting = config.text(config.defaults(), "sessions_dir", "", "agents.defaults.sessionsDir")
    base = os.path.abspath(os.path.expanduser(setting)) if setting else os.path.join(config.dir, "sessions")
    source = os.path.join(base, wsid)
    moved, skipped = move_sessions(source, target)
    for name in skipped:
        log.console(f"Skipped {name}: {target} already has a session of that name")
    if not moved and not skipped:
        log.console(f"No sessions to restore in {source}")
        return 0
    log.console(f"Restored {len(moved)} session(s) from {source} to {target}")
    return 1 if skipped else 0
