"""What a running edge network leaves for other commands: its admin token, node addresses and
the control plane's address.

`edgesim up` (or `edgesim pop`) writes `.edgesim/` in the current directory; `edgesim
invalidate` and `edgesim load` read it. The token file is readable by the user only.
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


@dataclass(frozen=True, slots=True)
class NodeAddress:
    id: str
    kind: str
    viewer_url: str
    admin_url: str


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
