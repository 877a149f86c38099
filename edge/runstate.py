"""What a running edge network leaves for other commands: its admin token, node addresses and
the control plane's address.

`edgesim up` (or `edgesim pop`) writes `.edgesim/` in the current directory; `edgesim
invalidate` and `edgesim load` read it. The token file is readable by the user only. One
process at a time owns a directory's state: it holds `.edgesim/lock` (`hold`) before it writes
anything there, so a second start in the same directory cannot replace a running network's
token or addresses.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

STATE_DIR = Path(".edgesim")
TOKEN_FILE = STATE_DIR / "admin-token"
NODES_FILE = STATE_DIR / "nodes.json"
CONTROL_FILE = STATE_DIR / "control.json"
LOCK_FILE = STATE_DIR / "lock"


@dataclass(frozen=True, slots=True)
class NodeAddress:
    id: str
    kind: str
    viewer_url: str
    admin_url: str


class Held(Exception):
    """Another live process owns this directory's run state; `pid` is it (None if unknown)."""

    def __init__(self, pid: int | None) -> None:
        super().__init__(pid)
        self.pid = pid


def hold() -> int | None:
    """Make this process the owner of this directory's run state for as long as it runs: an
    exclusive lock on the lock file, which the system lets go of when the process ends however
    it ends (a killed `edgesim up` leaves no stale lock). Returns the lock's descriptor for
    `let_go`, or None where the file system cannot lock (the start goes on unguarded); raises
    `Held` when another process holds it."""
    import fcntl  # POSIX only, as `edgesim up` is; here so other commands import anywhere

    STATE_DIR.mkdir(exist_ok=True)
    fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip()
        os.close(fd)
        raise Held(int(holder) if holder.isdigit() else None) from None
    except OSError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def let_go(lock: int | None) -> None:
    """Give up what `hold` took (the file stays: removing it would let two processes lock)."""
    if lock is not None:
        os.close(lock)


def new_token() -> str:
    """A fresh admin token, written to the token file with mode 0600."""
    STATE_DIR.mkdir(exist_ok=True)
    token = secrets.token_urlsafe(24)
    fd = os.open(TOKEN_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.chmod(TOKEN_FILE, 0o600)
    return token


def presented_token(authorization: str) -> str:
    """The token an `Authorization: Bearer <token>` header presents ("" for none)."""
    return authorization.removeprefix("Bearer ").strip()


def is_token(given: str, token: str) -> bool:
    """Whether `given` is the admin token, compared in constant time."""
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


def read_token(path: Path = TOKEN_FILE) -> str:
    return path.read_text().strip()


def write_nodes(nodes: list[NodeAddress]) -> None:
    STATE_DIR.mkdir(exist_ok=True)
    NODES_FILE.write_text(json.dumps([asdict(n) for n in nodes], indent=2) + "\n")


def read_nodes() -> list[NodeAddress]:
    return [NodeAddress(**n) for n in json.loads(NODES_FILE.read_text())]


def write_control(url: str) -> None:
    """Where the control plane's API answers (`url` ends with "/")."""
    STATE_DIR.mkdir(exist_ok=True)
    CONTROL_FILE.write_text(json.dumps({"url": url}) + "\n")


def read_control() -> str | None:
    """The control plane's URL, or None when no network here runs one."""
    try:
        url = json.loads(CONTROL_FILE.read_text())["url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if isinstance(url, str) else None


def clear() -> None:
    NODES_FILE.unlink(missing_ok=True)
    CONTROL_FILE.unlink(missing_ok=True)
