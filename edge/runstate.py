"""What a running edge network leaves for other commands: its admin token and node addresses.

`edgesim up` (or `edgesim pop`) writes `.edgesim/` in the current directory; `edgesim
invalidate` reads it. The token file is readable by the user only.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

STATE_DIR = Path(".edgesim")
TOKEN_FILE = STATE_DIR / "admin-token"
NODES_FILE = STATE_DIR / "nodes.json"


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


def read_token(path: Path = TOKEN_FILE) -> str:
    return path.read_text().strip()


def write_nodes(nodes: list[NodeAddress]) -> None:
    STATE_DIR.mkdir(exist_ok=True)
    NODES_FILE.write_text(json.dumps([asdict(n) for n in nodes], indent=2) + "\n")


def read_nodes() -> list[NodeAddress]:
    return [NodeAddress(**n) for n in json.loads(NODES_FILE.read_text())]


def clear() -> None:
    NODES_FILE.unlink(missing_ok=True)
